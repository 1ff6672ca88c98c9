import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { http } from './api/http';
import { createAppRouter } from './router';
import { useNotificationsStore } from './stores/notifications';
import { useSessionStore } from './stores/session';
import './styles/tokens.css';
import './styles/base.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);

// A 401 that survived a refresh: the session is over; keep the page to come back to.
http.onUnauthenticated(() => {
  const session = useSessionStore(pinia);
  const wasSignedIn = session.isAuthenticated;
  session.clear();
  const current = router.currentRoute.value;
  if (current.name === 'login') return;
  if (wasSignedIn)
    useNotificationsStore(pinia).warning({
      title: 'Your session has ended',
      message: 'Please sign in again.',
    });
  void router.push({ name: 'login', query: { redirect: current.fullPath } });
});

app.mount('#app');
