import type { Board, BoardCreate, BoardList, BoardPatch } from '@atelier/contract';
import { http } from './http';

export const boardsApi = {
  list: () => http.get<BoardList>('/boards'),
  create: (body: BoardCreate) => http.post<Board>('/boards', body),
  update: (id: number, body: BoardPatch) => http.patch<Board>(`/boards/${id}`, body),
  remove: (id: number) => http.delete<void>(`/boards/${id}`),
};
