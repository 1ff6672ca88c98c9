import { refreshCookieName, type SessionListResponse, type SessionSummary } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieFrom, createTestApp, type TestApp, type TestSession } from './test-app.js';

const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const phone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

describe('your sessions: GET/DELETE /api/auth/sessions', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  /** Signs in from a given browser, through the login route as a browser would. */
  async function signIn(role: 'user' | 'admin', userAgent: string, username?: string): Promise<TestSession> {
    const { username: name, password } = await app.user(role, username);
    const res = await app.request
      .post('/api/auth/login')
      .set('User-Agent', userAgent)
      .send({ username: name, password })
      .expect(200);
    const token = res.body.access_token as string;
    return {
      token,
      cookie: '',
      refreshCookie: cookieFrom(res.headers['set-cookie'], refreshCookieName),
      user: res.body.user,
      bearer: { Authorization: `Bearer ${token}` },
    };
  }

  const list = async (session: TestSession): Promise<SessionSummary[]> => {
    const res = await app.request.get('/api/auth/sessions').set(session.bearer).expect(200);
    return (res.body as SessionListResponse).items;
  };
  const me = (session: TestSession) => app.request.get('/api/auth/me').set(session.bearer);
  const refresh = (cookie: string) =>
    app.request.post('/api/auth/refresh').set('Origin', app.origin).set('Cookie', cookie);

  it('lists only your own live sessions, with browser, address and the current one marked', async () => {
    const laptop = await signIn('user', firefox);
    const mobile = await signIn('user', phone);
    await signIn('admin', firefox);

    const items = await list(laptop);
    expect(items).toHaveLength(2);
    expect(items.map((s) => s.user_agent).sort()).toEqual([firefox, phone].sort());
    const current = items.filter((s) => s.is_current);
    expect(current).toHaveLength(1);
    expect(current[0]?.user_agent).toBe(firefox);
    for (const session of items) {
      expect(session.ip).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(session.created_at)).toBeLessThanOrEqual(Date.parse(session.last_seen_at));
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
      expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Seen from the phone, the phone is the current one.
    expect((await list(mobile)).find((s) => s.is_current)?.user_agent).toBe(phone);
  });

  it('keeps the browser and address through token rotation, one entry per session', async () => {
    const laptop = await signIn('user', firefox);
    const [before] = await list(laptop);
    // Refreshed from a client that sends another User-Agent: the session keeps the sign-in's.
    const rotated = await refresh(laptop.refreshCookie).set('User-Agent', 'curl/8.0').expect(200);
    const bearer = { Authorization: `Bearer ${rotated.body.access_token as string}` };
    const res = await app.request.get('/api/auth/sessions').set(bearer).expect(200);
    const items = (res.body as SessionListResponse).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: before?.id, user_agent: firefox, is_current: true });
    expect(Date.parse(items[0]?.last_seen_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(before?.last_seen_at ?? ''),
    );
  });

  it('ends another session of yours: its access and refresh tokens stop working at once', async () => {
    const laptop = await signIn('user', firefox);
    const mobile = await signIn('user', phone);
    const target = (await list(laptop)).find((s) => !s.is_current);
    await app.request.delete(`/api/auth/sessions/${target?.id}`).set(laptop.bearer).expect(204);

    await me(mobile).expect(401);
    await refresh(mobile.refreshCookie).expect(401);
    await me(laptop).expect(200);
    expect((await list(laptop)).map((s) => s.user_agent)).toEqual([firefox]);
    // Ended is ended: a second try is as unknown as any other id.
    const again = await app.request.delete(`/api/auth/sessions/${target?.id}`).set(laptop.bearer);
    expect([again.status, again.body.code]).toEqual([404, 'not_found']);
  });

  it("answers 404 for someone else's session or an unknown id, and leaves it running", async () => {
    const mine = await signIn('user', firefox);
    const theirs = await signIn('admin', phone);
    const theirId = (await list(theirs))[0]?.id;
    for (const id of [theirId, '00000000-0000-4000-8000-000000000000', 'not-a-session', "' OR 1=1 --"]) {
      const res = await app.request
        .delete(`/api/auth/sessions/${encodeURIComponent(String(id))}`)
        .set(mine.bearer);
      expect([res.status, res.body.code], String(id)).toEqual([404, 'not_found']);
    }
    await me(theirs).expect(200);
    await refresh(theirs.refreshCookie).expect(200);
  });

  it('ending the current session signs you out and clears the cookies', async () => {
    const laptop = await signIn('user', firefox);
    const id = (await list(laptop))[0]?.id;
    const res = await app.request.delete(`/api/auth/sessions/${id}`).set(laptop.bearer).expect(204);
    const cleared = res.headers['set-cookie'] as unknown as string[];
    expect(cleared.some((c) => c.startsWith(`${refreshCookieName}=;`))).toBe(true);
    await me(laptop).expect(401);
    await refresh(laptop.refreshCookie).expect(401);
  });

  it('?others=1 ends every other session of yours and keeps this one; the flag is required', async () => {
    const laptop = await signIn('user', firefox);
    const mobile = await signIn('user', phone);
    const tablet = await signIn('user', 'Tablet/1.0');
    const admin = await signIn('admin', firefox);

    const bare = await app.request.delete('/api/auth/sessions').set(laptop.bearer);
    expect([bare.status, bare.body.code]).toEqual([400, 'validation_failed']);
    expect(await list(laptop)).toHaveLength(3);

    await app.request.delete('/api/auth/sessions?others=1').set(laptop.bearer).expect(204);
    await me(mobile).expect(401);
    await me(tablet).expect(401);
    await me(laptop).expect(200);
    await me(admin).expect(200);
    expect((await list(laptop)).map((s) => s.is_current)).toEqual([true]);
  });

  it('after a password change, the list holds only the session the change answered', async () => {
    const { password } = await app.user('user');
    const laptop = await signIn('user', firefox);
    await signIn('user', phone);
    const changed = await app.request
      .post('/api/auth/password')
      .set(laptop.bearer)
      .set('User-Agent', firefox)
      .send({ current_password: password, new_password: 'a-brand-new-passphrase' })
      .expect(200);
    const bearer = { Authorization: `Bearer ${changed.body.access_token as string}` };
    const items = (
      (await app.request.get('/api/auth/sessions').set(bearer).expect(200)).body as SessionListResponse
    ).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ user_agent: firefox, is_current: true });
  });

  it('needs a session (401)', async () => {
    const res = await app.request.get('/api/auth/sessions');
    expect([res.status, res.body.code]).toEqual([401, 'auth.unauthenticated']);
  });
});
