import type { JobSummary } from '@atelier/contract';
import { useEventListener, useLocalStorage } from '@vueuse/core';
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { appConfig } from '../config';
import { titleWith, titleWithout } from '../domain/page-title';

export type NoticePermission = NotificationPermission | 'unsupported';

/** What a notice needs of a finished job. */
export type EndedJob = Pick<JobSummary, 'prompt_id' | 'status' | 'images' | 'error'>;

function currentPermission(): NoticePermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

const isHiddenNow = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/** The words of a notice, like the toast's. */
export function noticeText(job: EndedJob): { title: string; body?: string } {
  const count = job.images.length;
  if (job.status === 'succeeded')
    return { title: count === 1 ? 'Your image is ready' : `Your ${count} images are ready` };
  if (job.status === 'interrupted') return { title: 'Generation cancelled' };
  return {
    title: job.status === 'lost' ? 'The job was lost' : 'Generation failed',
    ...(job.error?.message ? { body: job.error.message } : {}),
  };
}

/**
 * Tells about jobs that finish while the tab is hidden: a count in the tab's title (always), and a
 * system notification when the user opted in. The browser's permission is asked only from a click
 * (`enable`), never on load; the opt-in is remembered in this browser.
 */
export const useJobNoticesStore = defineStore('job-notices', () => {
  const optedIn = useLocalStorage(appConfig.jobNoticesStorageKey, false);
  const permission = ref<NoticePermission>(currentPermission());
  const unseen = ref(0);
  const isHidden = ref(isHiddenNow());

  if (typeof document !== 'undefined') {
    useEventListener(document, 'visibilitychange', () => {
      isHidden.value = isHiddenNow();
      // Back on the tab: whatever finished is in view now.
      if (!isHidden.value) unseen.value = 0;
      permission.value = currentPermission();
    });
  }

  watch(unseen, (count) => {
    document.title = titleWith(titleWithout(document.title), count);
  });

  /** From a click: asks the browser once; on only if it grants. */
  async function enable(): Promise<boolean> {
    if (typeof Notification === 'undefined') {
      permission.value = 'unsupported';
      return false;
    }
    if (Notification.permission === 'default') await Notification.requestPermission();
    permission.value = Notification.permission;
    optedIn.value = permission.value === 'granted';
    return optedIn.value;
  }

  function disable(): void {
    optedIn.value = false;
  }

  function jobEnded(job: EndedJob): void {
    if (!isHidden.value) return;
    unseen.value += 1;
    permission.value = currentPermission();
    if (!optedIn.value || permission.value !== 'granted') return;
    const { title, body } = noticeText(job);
    try {
      // One notice per job (`tag`): a retry of the same end replaces it.
      const notice = new Notification(title, { body, tag: job.prompt_id });
      notice.onclick = () => {
        window.focus();
        notice.close();
      };
    } catch {
      // Some browsers allow notifications only from a service worker: the title still counts.
    }
  }

  return { optedIn, permission, unseen, isHidden, enable, disable, jobEnded };
});
