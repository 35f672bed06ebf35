/** Every shell command, in HBase's groups. */
import type { CommandSpec } from '../command.js';
import { ddlCommands } from './ddl.js';
import { dmlCommands } from './dml.js';
import { generalCommands } from './general.js';
import { namespaceCommands } from './namespace.js';
import { toolCommands } from './tools.js';

export const allCommands: CommandSpec[] = [...generalCommands, ...ddlCommands, ...namespaceCommands, ...dmlCommands, ...toolCommands];
