import { createRequire } from 'node:module';
import type * as ChildProcess from 'node:child_process';

/*
 * `node:child_process` as the bundle sees it: the build (package.json) aliases the module to this one.
 * commander requires it as it loads, for subcommands that are programs of their own (vmx has none),
 * and loading it takes several milliseconds of every command; here it loads on the first spawn (`vmx
 * serve`). Only what vmx and commander call is exported: importing anything else fails the build.
 */

const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;

export const spawn = ((...args: unknown[]) =>
  Reflect.apply(childProcess().spawn, undefined, args)) as typeof ChildProcess.spawn;
