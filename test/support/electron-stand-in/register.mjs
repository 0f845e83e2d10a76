// `node --import ./register.mjs`: from here on, every `import ... from 'electron'` (ours and
// electron-store's) loads the recording stand-in in ./electron.mjs instead of the real package,
// whose binary cannot be downloaded here. See ./electron.mjs for what this can and cannot show.
import { register } from 'node:module';
import { URL } from 'node:url';

register('./hooks.mjs', import.meta.url, { data: { standIn: new URL('./electron.mjs', import.meta.url).href } });
