import type { ApiErrorCode } from '../api/http';

/** What the public share page shows instead of the images, by the API's refusal. */
export type SharePageState = 'loading' | 'ready' | 'locked' | 'expired' | 'missing' | 'busy' | 'failed';

export function sharePageStateOf(code: ApiErrorCode): SharePageState {
  switch (code) {
    case 'share.password_required':
      return 'locked';
    case 'share.expired':
      return 'expired';
    case 'share.not_found':
    case 'validation_failed':
      return 'missing';
    case 'rate_limited':
      return 'busy';
    default:
      return 'failed';
  }
}

export const sharePageMessages: Record<Exclude<SharePageState, 'loading' | 'ready' | 'locked'>, string> = {
  expired: 'This link has expired. Ask whoever shared it for a new one.',
  missing: 'This link does not exist or was revoked.',
  busy: 'Too many requests from here just now. Try again in a minute.',
  failed: 'The shared images could not be loaded. Try again later.',
};
