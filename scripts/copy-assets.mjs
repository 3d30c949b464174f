// tsc copies no non-TS files; the SQL migrations must sit beside the compiled migrate.js.
import { cpSync } from 'node:fs';

cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
