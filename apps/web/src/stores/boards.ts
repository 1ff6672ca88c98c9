import type { Board, BoardCreate, BoardPatch } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { boardsApi } from '../api/boards';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** The boards the user sees (theirs and the team's), manual and smart, with covers and counts. */
export const useBoardsStore = defineStore('boards', () => {
  const notifications = useNotificationsStore();
  const boards = ref<Board[]>([]);
  const status = ref<LoadStatus>('idle');
  /** The selection being dragged from the grid (ids or "all matching"), for a board to receive. */
  const isDragging = ref(false);

  async function load(): Promise<void> {
    if (status.value === 'idle') status.value = 'loading';
    try {
      boards.value = (await boardsApi.list()).items;
      status.value = 'ready';
    } catch (e) {
      status.value = 'error';
      notifications.error({ title: 'Could not load the boards', message: describeError(e) });
    }
  }

  async function create(body: BoardCreate): Promise<Board | null> {
    try {
      const board = await boardsApi.create(body);
      boards.value = [...boards.value, board];
      notifications.success({ title: `Board “${board.name}” created` });
      return board;
    } catch (e) {
      notifications.error({ title: 'Could not create the board', message: describeError(e) });
      return null;
    }
  }

  async function update(id: number, patch: BoardPatch): Promise<boolean> {
    try {
      const board = await boardsApi.update(id, patch);
      boards.value = boards.value.map((one) => (one.id === id ? board : one));
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not change the board', message: describeError(e) });
      return false;
    }
  }

  async function remove(id: number): Promise<boolean> {
    try {
      await boardsApi.remove(id);
      boards.value = boards.value.filter((one) => one.id !== id);
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not delete the board', message: describeError(e) });
      return false;
    }
  }

  return { boards, status, isDragging, load, create, update, remove };
});
