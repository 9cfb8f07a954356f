import { describe, expect, it } from 'vitest';
import { permits, type WorkspaceAction } from '../../src/cli/roles.js';

describe('role rules', () => {
  it.each<[WorkspaceAction, boolean, boolean]>([
    ['read', true, true],
    ['write', true, true],
    ['delete-workspace', true, false],
    ['manage-members', true, false],
  ])('%s: owner %s, member %s', (action, owner, member) => {
    expect(permits('owner', action)).toBe(owner);
    expect(permits('member', action)).toBe(member);
  });
});
