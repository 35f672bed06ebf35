/** Coordination recipes on top of CoordClient. */
export { LeaderElection } from './leader-election.js';
export { GroupMembership, type GroupMember } from './group-membership.js';
export { DistributedLock } from './lock.js';
export { ensurePath } from './common.js';
