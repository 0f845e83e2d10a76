/**
 * Imported first by main.tsx, so it runs before any module that builds or uses a schema: zod would
 * otherwise probe for eval with new Function(), which the app's CSP blocks and reports as a
 * violation in every window (modules are evaluated in import order, so a z.config() call in
 * main.tsx's own body comes too late for schemas parsed while the imports load).
 */
import { z } from 'zod';

z.config({ jitless: true });
