import type { SessionSummary } from '@atelier/contract';
import { defineStore } from 'pinia';
import { authApi } from '../api/auth';
import { useListState, usePendingIds } from './list-state';
import { useNotificationsStore } from './notifications';
import { useSessionStore } from './session';

/** Where you are signed in: your sessions, and ending them. */
export const useAccountSessionsStore = defineStore('account-sessions', () => {
  const notifications = useNotificationsStore();
  const { items, status, error, load } = useListState<SessionSummary>(() => authApi.sessions());
  /** Ids with an end in flight ('others' for "end all others"). */
  const { pendingIds, withPending } = usePendingIds<string>();

  /**
   * Ends one session. Ending this device's signs us out here too: the store forgets the user and
   * answers 'signed-out' so the page can go to the sign-in screen.
   */
  async function end(session: SessionSummary): Promise<'ended' | 'signed-out' | 'failed'> {
    const ok = await withPending(
      session.id,
      () => authApi.endSession(session.id),
      'Could not end the session',
    );
    if (!ok) return 'failed';
    if (session.is_current) {
      items.value = [];
      useSessionStore().clear();
      return 'signed-out';
    }
    items.value = items.value.filter((item) => item.id !== session.id);
    notifications.success({ title: 'Session ended', message: 'That device is signed out.' });
    return 'ended';
  }

  async function endOthers(): Promise<boolean> {
    const ok = await withPending(
      'others',
      () => authApi.endOtherSessions(),
      'Could not end your other sessions',
    );
    if (!ok) return false;
    items.value = items.value.filter((item) => item.is_current);
    notifications.success({ title: 'Signed out everywhere else' });
    return true;
  }

  return { items, status, error, pendingIds, load, end, endOthers };
});
