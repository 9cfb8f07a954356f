import type { Repositories } from '../backend.js';
import type { Queryable } from './queryable.js';
import { createPgApiKeyRepo } from './repos/api-keys.js';
import { createPgAuditRepo } from './repos/audit.js';
import { createPgBatchRepo } from './repos/batches.js';
import { createPgCapacityCounterRepo } from './repos/capacity-counters.js';
import { pgSecretTable } from './repos/connection-secrets.js';
import { createPgConnectionRepo } from './repos/connections.js';
import { createPgEnvironmentRepo } from './repos/environments.js';
import { createPgFileRepo } from './repos/files.js';
import { createPgMemberRepo } from './repos/members.js';
import { createPgPoolStateRepo } from './repos/pool-states.js';
import { createPgPoolRepo } from './repos/pools.js';
import { createPgResourceRepo } from './repos/resources.js';
import { createPgSettingsRepo } from './repos/settings.js';
import { createPgSpaceRepo } from './repos/space.js';
import { createPgUsageRepo } from './repos/usage.js';
import { createPgWorkspaceRepo } from './repos/workspaces.js';

/** The repositories of a PostgreSQL store, running their queries on the pool or on one transaction's client. */
export function pgRepositories(q: Queryable): Repositories {
  return {
    workspaces: createPgWorkspaceRepo(q),
    members: createPgMemberRepo(q),
    environments: createPgEnvironmentRepo(q),
    connections: createPgConnectionRepo(q),
    resources: createPgResourceRepo(q),
    apiKeys: createPgApiKeyRepo(q),
    pools: createPgPoolRepo(q),
    poolStates: createPgPoolStateRepo(q),
    files: createPgFileRepo(q),
    batches: createPgBatchRepo(q),
    usage: createPgUsageRepo(q),
    audit: createPgAuditRepo(q),
    capacityCounters: createPgCapacityCounterRepo(q),
    settings: createPgSettingsRepo(q),
    space: createPgSpaceRepo(q),
    sealedSecrets: pgSecretTable(q),
  };
}
