// Child process of the concurrency test: writes `count` accounts `<prefix>-<i>` into `<home>/secrets.json`.
import { FileStore } from '../../../src/store/credentials/file-store.js';

const [home, prefix, count] = process.argv.slice(2);
const store = new FileStore(home!);
for (let i = 0; i < Number(count); i++) store.set(`${prefix}-${i}`, `secret-${prefix}-${i}`);
