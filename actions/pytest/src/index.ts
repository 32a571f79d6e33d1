import { runAction } from '../../shared/src/run.js';
import { ACTION_NAME } from './constants.js';
import { main } from './main.js';

await runAction(ACTION_NAME, main);
