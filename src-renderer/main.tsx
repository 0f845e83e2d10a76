import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ComposeApp, composeToken } from './features/compose/ComposeApp';
import './ui/styles.css';
import { markFirstRender } from './ui/startup-mark';
import { hadAccounts } from './ui/start-hint';
import { preloadMailView } from './features/mailbox/LazyMailView';

// A compose window (src-main/services/compose-windows.ts) shows one message and nothing else.
const token = composeToken(window.location.hash);

// The main window of an app with accounts opens on Mail: its code is fetched while the accounts load.
if (!token && hadAccounts()) void preloadMailView();

markFirstRender(document.getElementById('root')!);
createRoot(document.getElementById('root')!).render(<StrictMode>{token ? <ComposeApp token={token} /> : <App />}</StrictMode>);
