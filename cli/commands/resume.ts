/** `albatross resume --function-name F`: see cli/reconciler-switch.ts and docs/operations.md (reconciler switch). */
import { switchCommand } from '../reconciler-switch';

export const command = switchCommand('on');
