import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { NoteDocument } from '../domain/note-document.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isConflict, withCosmosErrors } from './cosmos-errors.js';
import type { CursorCodec } from './cursor.js';
import { queryPage, type PageRequest } from './paged-query.js';

/**
 * Task notes. Partitioned by task id, so "the notes of one task, newest first" is a
 * single-partition query on `sequence` (the task event that added each note), paged with the same
 * signed cursors as every list.
 */
export class NoteRepository {
  private readonly container: Container;

  constructor(
    database: Database,
    private readonly cursors: CursorCodec,
  ) {
    this.container = database.container(CONTAINERS.notes.name);
  }

  /** Writes a new note; false when it already exists (a retry), which is never overwritten. */
  async create(note: NoteDocument): Promise<boolean> {
    return withCosmosErrors(async () => {
      try {
        await this.container.items.create(note);
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    });
  }

  /** Writes the note as given (a redaction): the same write again changes nothing. */
  async put(note: NoteDocument): Promise<void> {
    await withCosmosErrors(() => this.container.items.upsert(note));
  }

  async get(taskId: string, noteId: string): Promise<NoteDocument | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(noteId, taskId).read<NoteDocument & SystemProperties>();
      return resource ? splitSystemProperties<NoteDocument>(resource).document : undefined;
    });
  }

  /** One page of a task's notes, newest first. */
  async page(taskId: string, page: PageRequest): Promise<{ notes: NoteDocument[]; nextCursor: string | null }> {
    // The partition key is in the WHERE clause as well as the request option (see docs/data-model.md).
    const spec = { query: 'SELECT * FROM c WHERE c.taskId = @taskId ORDER BY c.sequence DESC', parameters: [{ name: '@taskId', value: taskId }] };
    const { items, nextCursor } = await queryPage<NoteDocument & SystemProperties>(this.container, this.cursors, spec, { ...page, partitionKey: taskId });
    return { notes: items.map((item) => splitSystemProperties<NoteDocument>(item).document), nextCursor };
  }
}
