import { runAction } from '../../shared/src/run.js';
import { main } from './main.js';

await runAction('instance-refresh', main);
