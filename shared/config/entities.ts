/**
 * Names of every Azure resource entity the code talks to, written once.
 * Bicep templates, the local host and the tests all read these names from here
 * (tests/infra checks the templates against this file).
 */
export const COSMOS_DATABASE_DEFAULT = 'caseload';

/** Cosmos DB containers and their partition key paths. */
export const CONTAINERS = {
  tasks: { name: 'tasks', partitionKeyPath: '/id' },
} as const;

export type ContainerKey = keyof typeof CONTAINERS;
