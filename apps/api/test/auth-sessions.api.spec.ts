import { refreshCookieName } from '@atelier/contract';
import { JwtService } from '@nestjs/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieFrom, createTestApp, type TestApp, type TestSession } from './test-app.js';

describe('sessions: refresh-token replay and logout', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  const refresh = (cookie: string) =>
    app.request.post('/api/auth/refresh').set('Origin', app.origin).set('Cookie', cookie);

  /** An access token of this session that expired a minute ago, signed with the app's key. */
  async function expiredTokenOf(session: TestSession): Promise<string> {
    const claims = JSON.parse(Buffer.from(session.token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      sid: string;
    };
    const now = Math.floor(Date.now() / 1000);
    return app.nest
      .get(JwtService)
      .signAsync(
        { sub: claims.sub, sid: claims.sid, iat: now - 1000, exp: now - 60 },
        { issuer: 'atelier', audience: 'atelier-api' },
      );
  }

  describe('refresh-token replay', () => {
    it('ends the whole family: every token rotated from that sign-in and their access tokens', async () => {
      const session = await app.login('user');
      const other = await app.login('user');
      const first = await refresh(session.refreshCookie).expect(200);
      const second = await refresh(cookieFrom(first.headers['set-cookie'], refreshCookieName)).expect(200);
      const newest = cookieFrom(second.headers['set-cookie'], refreshCookieName);
      const newestAccess = `Bearer ${second.body.access_token as string}`;
      await app.request.get('/api/auth/me').set('Authorization', newestAccess).expect(200);

      // The first token, spent long ago, comes back: someone copied it.
      const replay = await refresh(session.refreshCookie);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('auth.unauthenticated');

      const afterwards = await refresh(newest);
      expect(afterwards.status).toBe(401);
      expect(afterwards.body.code).toBe('auth.unauthenticated');
      await app.request.get('/api/auth/me').set('Authorization', newestAccess).expect(401);
      await app.request.get('/api/auth/me').set(session.bearer).expect(401);
      // Another sign-in of the same user is a different family.
      await app.request.get('/api/auth/me').set(other.bearer).expect(200);
      await refresh(other.refreshCookie).expect(200);
    });

    it('ends the family when the thief uses the token first and the owner replays it', async () => {
      const session = await app.login('user');
      const stolen = await refresh(session.refreshCookie).expect(200);
      const thiefCookie = cookieFrom(stolen.headers['set-cookie'], refreshCookieName);
      await refresh(session.refreshCookie).expect(401);
      await refresh(thiefCookie).expect(401);
      await app.request
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${stolen.body.access_token as string}`)
        .expect(401);
    });

    it('ignores unknown refresh tokens', async () => {
      const session = await app.login('user');
      await refresh('atelier_refresh=made-up-token').expect(401);
      await app.request.get('/api/auth/me').set(session.bearer).expect(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('works from the refresh cookie alone, with an expired access token or none', async () => {
      for (const access of ['none', 'expired'] as const) {
        const session = await app.login('user');
        const cookies = [session.refreshCookie];
        if (access === 'expired') cookies.push(`atelier_access=${await expiredTokenOf(session)}`);
        const res = await app.request
          .post('/api/auth/logout')
          .set('Origin', app.origin)
          .set('Cookie', cookies);
        expect(res.status, access).toBe(204);
        const cleared = res.headers['set-cookie'] as unknown as string[];
        expect(cleared.some((c) => c.startsWith(`${refreshCookieName}=;`))).toBe(true);
        await refresh(session.refreshCookie).expect(401);
        await app.request.get('/api/auth/me').set(session.bearer).expect(401);
      }
    });

    it('works from an expired Bearer access token alone', async () => {
      const session = await app.login('user');
      await app.request
        .post('/api/auth/logout')
        .set('Authorization', `Bearer ${await expiredTokenOf(session)}`)
        .expect(204);
      await refresh(session.refreshCookie).expect(401);
    });

    it('answers 401 when nothing names a session, and refuses forged tokens', async () => {
      const session = await app.login('user');
      const forged = `${session.token.slice(0, -4)}AAAA`;
      for (const res of [
        await app.request.post('/api/auth/logout'),
        await app.request.post('/api/auth/logout').set('Authorization', `Bearer ${forged}`),
        await app.request
          .post('/api/auth/logout')
          .set('Origin', app.origin)
          .set('Cookie', 'atelier_refresh=nope'),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('auth.unauthenticated');
      }
      await app.request.get('/api/auth/me').set(session.bearer).expect(200);
    });

    it('still refuses a refresh-cookie logout from another site (CSRF)', async () => {
      const session = await app.login('user');
      for (const res of [
        await app.request
          .post('/api/auth/logout')
          .set('Origin', 'http://evil.example')
          .set('Cookie', session.refreshCookie),
        await app.request.post('/api/auth/logout').set('Cookie', session.refreshCookie),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('auth.csrf');
      }
      await refresh(session.refreshCookie).expect(200);
    });
  });
});
