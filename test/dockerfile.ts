/**
 * The Dockerfile as Docker reads it, for test/deploy.test.ts: its stages and instructions, and a
 * replay of one stage on this machine (no container engine runs here), so a test can look at what
 * that stage produces (the image's node_modules) without building the image.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';

export interface DockerInstruction {
  /** Upper-case: `COPY`, `RUN`, ... */
  keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
}

export interface DockerStage {
  /** The `AS` name, or the stage's index when it has none. */
  name: string;
  /** The base image, with the global `ARG`s substituted; for a stage built on another stage, that stage's. */
  image: string;
  /** The earlier stage this one is built on (`FROM <stage> AS ...`), if any. */
  parent?: string;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** `ARG`s declared before the first `FROM`, with their defaults. */
  args: Record<string, string>;
  stages: DockerStage[];
}

/** Parses a Dockerfile: comment lines dropped (they may sit inside a continued instruction), `\` continuations joined. */
export function parseDockerfile(text: string): Dockerfile {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space).trimStart();
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', , name] = rest.split(/\s+/);
      const parent = stages.find((s) => s.name === image);
      const stageName = name ?? String(stages.length);
      if (parent) stages.push({ name: stageName, image: parent.image, parent: parent.name, instructions: [] });
      else stages.push({ name: stageName, image: image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => args[arg] ?? ''), instructions: [] });
    } else if (stages.length === 0) {
      if (upper === 'ARG') {
        const [name = '', value = ''] = rest.split('=');
        args[name] = value;
      }
    } else {
      stages.at(-1)!.instructions.push({ keyword: upper, args: rest });
    }
  }
  return { args, stages };
}

/**
 * `stage` as Docker builds it: the instructions of the stages it is built on (`FROM <stage>`), the
 * earliest first, then its own.
 */
export function inherited(file: Dockerfile, stage: DockerStage): DockerStage {
  const parent = stage.parent === undefined ? undefined : file.stages.find((s) => s.name === stage.parent);
  if (!parent) return stage;
  return { ...stage, instructions: [...inherited(file, parent).instructions, ...stage.instructions] };
}

/** The exec-form (`["node", "x.js"]`) arguments at the end of an instruction, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  const trimmed = args.trimEnd();
  const json = trimmed.endsWith(']') && trimmed.includes('[') ? trimmed.slice(trimmed.indexOf('[')) : undefined;
  return json ? (JSON.parse(json) as string[]) : undefined;
}

/** Options of a `COPY` (`--from=build`) and its sources and destination. */
export function copyParts(args: string): { options: Record<string, string>; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const options = Object.fromEntries(words.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=') as [string, string]));
  const paths = words.filter((w) => !w.startsWith('--'));
  return { options, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

const execFileAsync = promisify(execFile);

/**
 * Replays `stage` in `dir`, which stands for the stage's `WORKDIR`: its `ENV`s, its `COPY`s from the
 * build context at `context` (`COPY . .` copies the files git tracks there) and its `RUN`s, each of
 * which must be npm commands joined by `&&`: nothing else is run on this machine. Other instructions
 * (`WORKDIR`, `USER`, ...) change nothing a replay can see. npm is told to prefer its cache.
 */
export async function replayStage(stage: DockerStage, context: string, dir: string): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };
  let workdir = '/';
  const inDir = (path: string) => join(dir, posix.isAbsolute(path) ? posix.relative(workdir, path) : path);
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
    else if (keyword === 'ENV') {
      for (const part of args.split(/\s+/)) {
        const eq = part.indexOf('=');
        if (eq > 0) env[part.slice(0, eq)] = part.slice(eq + 1);
      }
    } else if (keyword === 'COPY') {
      const { options, sources, dest } = copyParts(args);
      if (options.from) throw new Error(`${stage.name}: COPY --from cannot be replayed: ${args}`);
      for (const source of sources) {
        if (source === '.') {
          const files = spawnSync('git', ['ls-files', '-z'], { cwd: context, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
          for (const file of files) {
            mkdirSync(dirname(join(inDir(dest), file)), { recursive: true });
            cpSync(join(context, file), join(inDir(dest), file));
          }
        } else {
          const target = dest.endsWith('/') ? join(inDir(dest), basename(source)) : inDir(dest);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(context, source), target, { recursive: true });
        }
      }
    } else if (keyword === 'RUN') {
      const commands = args.split('&&').map((c) => c.trim());
      const foreign = commands.find((c) => !/^npm\s/.test(c));
      if (foreign) throw new Error(`${stage.name}: only npm commands are replayed here, not "${foreign}"`);
      await execFileAsync('sh', ['-c', args], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 });
    }
  }
}
