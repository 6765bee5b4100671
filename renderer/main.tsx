import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { createElectronHost } from './hosts/electron-host.js';
import { apiUrlFromLocation, createWebHost } from './hosts/web-host.js';
import './styles.css';

// The UI takes a host and does not care which: the desktop preload's bridge, or a WebSocket to `npm run web`.
function pickHost() {
  if (window.studio) return { api: createElectronHost(window.studio), connection: null };
  const { url, token } = apiUrlFromLocation(window.location);
  const host = createWebHost({
    url,
    missingTokenHint: token
      ? null
      : 'This page was opened without its access token: open the URL `npm run web` printed (it ends in ?token=…).',
  });
  return { api: host.api, connection: host.connection };
}

const { api, connection } = pickHost();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} connection={connection} />
  </StrictMode>,
);
