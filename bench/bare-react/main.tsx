/**
 * The yardstick of bench/startup.ts: a bare React 19 app (react-dom/client, StrictMode, one
 * component with state), built by the same electron-vite and Vite as the renderer. Its first
 * screen is a heading, one labelled field and the primary button "Continue", enabled from the
 * first render. Like the app's main.tsx, it marks React's first commit into the root element.
 */
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

function Bare() {
  const [email, setEmail] = useState('');
  return (
    <main>
      <h1>Bare React</h1>
      <form onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="email">Email address</label>
        <input id="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <button type="submit">Continue</button>
      </form>
    </main>
  );
}

const root = document.getElementById('root')!;
new MutationObserver((_, observer) => {
  observer.disconnect();
  performance.mark('bare:first-render');
}).observe(root, { childList: true });
createRoot(root).render(
  <StrictMode>
    <Bare />
  </StrictMode>,
);
