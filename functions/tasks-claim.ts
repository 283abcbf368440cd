import { registerTaskAction } from '../shared/http/task-action-endpoint.js';

registerTaskAction({
  name: 'tasks-claim',
  route: 'tasksClaim',
  action: 'claim',
  summary: 'Claim an unassigned task',
  description: 'Assigns the task to the caller and starts it (in_progress). Of concurrent claimants exactly one wins; the others get 409 naming the holder.',
});
