import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './App';
import './ui/styles.css';
import { markFirstRender } from './ui/startup-mark';

// zod would probe for eval with new Function(); under our CSP that probe is a violation report.
z.config({ jitless: true });

markFirstRender(document.getElementById('root')!);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
