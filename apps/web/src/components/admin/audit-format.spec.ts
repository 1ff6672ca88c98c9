import type { AuditEntry } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { describeAuditActor, describeAuditDetails, describeAuditTarget } from './audit-format';

const disabled: AuditEntry = {
  id: 9,
  at: '2026-12-05T08:00:00.000Z',
  actor: { id: null, username: 'system' },
  action: 'webhook.disabled',
  target: { type: 'webhook', id: '4', label: 'https://hooks.example.com/in' },
  details: { owner_id: 3, url: 'https://hooks.example.com/in', reason: 'Every delivery failed for 5 days' },
};

describe('audit entries of the system actor and of outward access', () => {
  it('names Atelier itself when an entry has no actor id, and a person by their username', () => {
    expect(describeAuditActor(disabled)).toEqual({ name: 'Atelier (system)', system: true });
    expect(describeAuditActor({ ...disabled, actor: { id: 2, username: 'cora' } })).toEqual({
      name: 'cora',
      system: false,
    });
  });

  it('describes a disabled webhook, a share link and an API key', () => {
    expect(describeAuditTarget(disabled)).toBe('webhook https://hooks.example.com/in (#4)');
    expect(describeAuditDetails(disabled)).toEqual(['owner #3', 'Every delivery failed for 5 days']);
    const share: AuditEntry = {
      ...disabled,
      actor: { id: 3, username: 'cora' },
      action: 'share.created',
      target: { type: 'share', id: '7', label: 'board' },
      details: {
        owner_id: 3,
        board_id: 2,
        expires_at: null,
        has_password: true,
        redact: true,
        allow_download: false,
      },
    };
    expect(describeAuditTarget(share)).toBe('share link board (#7)');
    expect(describeAuditDetails(share)).toEqual([
      'owner #3',
      'board #2',
      'expires (none)',
      'password',
      'prompts hidden',
    ]);
    const key: AuditEntry = {
      ...share,
      action: 'api_key.created',
      target: { type: 'api_key', id: '5', label: 'ci' },
      details: { owner_id: 3, scopes: ['gallery:read'], expires_at: null },
    };
    expect(describeAuditTarget(key)).toBe('API key ci (#5)');
    expect(describeAuditDetails(key)).toEqual(['owner #3', 'scopes gallery:read', 'expires (none)']);
    const rotated: AuditEntry = {
      ...disabled,
      action: 'webhook.updated',
      details: { owner_id: 3, enabled: { from: true, to: false }, secret: 'rotated' },
    };
    expect(describeAuditDetails(rotated)).toEqual(['enabled: on → off', 'new signing secret']);
  });
});
