import type { Role } from '@atelier/contract';
import { createRouter, createWebHistory, type RouteRecordRaw, type RouterHistory } from 'vue-router';
import { appConfig } from './config';
import { titleWith } from './domain/page-title';
import { useJobNoticesStore } from './stores/job-notices';
import { useSessionStore } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** Signed-in users only (inherited by child routes). */
    requiresAuth?: boolean;
    /** Lowest role that may open the route. */
    role?: Role;
    /** Login page: a signed-in user is sent on. */
    guestOnly?: boolean;
    /** Seen signed out (a share link's page): the session is not asked for. */
    public?: boolean;
    title?: string;
  }
}

// Every page is its own chunk: the login page never downloads the admin screens.
export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { guestOnly: true, title: 'Sign in' },
  },
  {
    path: '/s/:token',
    name: 'share',
    component: () => import('./pages/SharePublicPage.vue'),
    props: true,
    meta: { public: true, title: 'Shared images' },
  },
  {
    path: '/',
    component: () => import('./components/layout/AppShell.vue'),
    meta: { requiresAuth: true },
    children: [
      { path: '', name: 'home', redirect: { name: 'generate' } },
      {
        path: 'generate',
        name: 'generate',
        component: () => import('./pages/GeneratePage.vue'),
        meta: { title: 'Generate' },
      },
      {
        path: 'sweeps/:id',
        name: 'sweep',
        component: () => import('./pages/SweepPage.vue'),
        meta: { title: 'Sweep' },
      },
      {
        path: 'gallery',
        name: 'gallery',
        component: () => import('./pages/GalleryPage.vue'),
        meta: { title: 'Gallery' },
      },
      {
        path: 'review',
        name: 'review',
        component: () => import('./pages/ReviewPage.vue'),
        meta: { title: 'Review', role: 'curator' },
      },
      {
        path: 'workflows',
        name: 'workflows',
        component: () => import('./pages/WorkflowsPage.vue'),
        meta: { title: 'Workflows' },
      },
      {
        path: 'queue',
        name: 'queue',
        component: () => import('./pages/QueuePage.vue'),
        meta: { title: 'Queue' },
      },
      {
        path: 'trash',
        name: 'trash',
        component: () => import('./pages/TrashPage.vue'),
        meta: { title: 'Trash' },
      },
      {
        path: 'admin',
        name: 'admin',
        component: () => import('./pages/AdminPage.vue'),
        meta: { title: 'Administration', role: 'admin' },
      },
      {
        path: 'admin/usage',
        name: 'admin-usage',
        component: () => import('./pages/UsagePage.vue'),
        meta: { title: 'GPU usage', role: 'admin' },
      },
      {
        path: 'account',
        name: 'account',
        component: () => import('./pages/AccountPage.vue'),
        meta: { title: 'Account' },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('./pages/ForbiddenPage.vue'),
        meta: { title: 'No access' },
      },
    ],
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./pages/NotFoundPage.vue'),
    meta: { title: 'Page not found' },
  },
];

/** Only same-app paths: `?redirect=//evil.example` must not send anyone off-site. */
export function safeRedirect(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : null;
}

export function createAppRouter(history: RouterHistory = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    // A link to a section (#webhooks from the app-wide notice) lands on it, clear of the mobile top bar.
    scrollBehavior: (to, _from, saved) => saved ?? (to.hash ? { el: to.hash, top: 80 } : { top: 0 }),
  });

  router.beforeEach(async (to) => {
    // A visitor's share page needs no session: asking would only hit /api/auth/me for a 401.
    if (to.meta.public) return true;
    const session = useSessionStore();
    await session.ensureLoaded();
    if (to.meta.guestOnly && session.isAuthenticated)
      return safeRedirect(to.query.redirect) ?? { name: 'home' };
    if (to.meta.requiresAuth && !session.isAuthenticated) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    // After an admin's reset the API refuses everything but a new password: ask for it first.
    if (to.meta.requiresAuth && session.mustChangePassword && to.name !== 'account') {
      return { name: 'account', query: { required: '1' } };
    }
    if (to.meta.role && !session.hasRole(to.meta.role)) {
      return { name: 'forbidden', query: { from: to.fullPath } };
    }
    return true;
  });

  router.afterEach((to) => {
    const base = to.meta.title ? `${to.meta.title} · ${appConfig.appName}` : appConfig.appName;
    // Jobs that finished while the tab was hidden stay counted in front of the title.
    document.title = titleWith(base, useJobNoticesStore().unseen);
  });

  return router;
}
