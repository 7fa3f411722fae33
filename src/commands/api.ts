import { type Command, Option } from '@commander-js/extra-typings';
import { readCapped } from '../api/capped-file.js';
import { completeAs } from '../completion/program.js';
import { callApi } from '../usecases/call-api.js';
import { type App, integer, profileOption, tokenDeps } from './shared.js';

const collect = (value: string, previous: string[]) => [...previous, value];

const EXAMPLES = `
Examples:
  podio-auth api /user/status
  podio-auth api item/123456789
  podio-auth api item/app/777/ -f 'fields[title]=Write the report' -F 'fields[estimate]=3'
  podio-auth api item/app/777/filter/ -X POST --paginate | jq length
  podio-auth api item/123 -X PUT --input item.json --silent

Fields: -f sends a string, -F a typed value (true, false, null, integers, @file, @- for stdin); a[b]=x nests,
a[]=x appends. GET puts them in the query, other methods in a JSON body. Failures print Podio's body on stdout
and one line on stderr; a 401 expired_token is refreshed and retried once; a GET that meets 502/503/504 or a
reset connection is retried twice; HTTP 420 (rate limit) is never retried.`;

/** `podio-auth api <endpoint>`: the Podio API with the stored login, like `gh api` (see usecases/call-api.ts). */
export function registerApi(program: Command, app: App): void {
  program
    .command('api')
    .description('call the Podio API with the stored login (fields, paging, refresh and retry) and print the answer')
    .argument('<endpoint>', 'a path on the API origin (/user/status, item/123), or a full URL on it')
    .option('-X, --method <verb>', 'GET, POST, PUT or DELETE (default: GET, or POST with fields or --input)')
    .option('-f, --raw-field <key=value>', 'a string field (repeatable)', collect, [])
    .option(
      '-F, --field <key=value>',
      'a typed field: true, false, null, integers, @file, @- (repeatable)',
      collect,
      [],
    )
    .addOption(
      completeAs(
        new Option('--input <file>', 'the request body as it is, from a file or - for standard input'),
        'file',
      ),
    )
    .option('-H, --header <header>', "an extra header, 'Name: value' (repeatable)", collect, [])
    .option('-i, --include', 'print the status line and headers before the body')
    .option('--silent', 'do not print the body')
    .option('--paginate', 'fetch every page (limit/offset) and print one JSON array')
    .addOption(
      new Option('--page-size <n>', 'items per page with --paginate')
        .argParser(integer('--page-size', 1, 500))
        .default(100),
    )
    .addOption(profileOption())
    .addHelpText('after', EXAMPLES)
    .action((endpoint, options) =>
      app.run(async () => {
        const { describeProgress, renderResult } = await import('../api/render.js');
        const { deps } = app;
        const ui = await app.ui();
        const result = await callApi(
          {
            profile: options.profile,
            endpoint,
            method: options.method,
            rawFields: options.rawField,
            typedFields: options.field,
            input: options.input,
            headers: options.header,
            paginate: Boolean(options.paginate),
            pageSize: options.pageSize,
            onProgress: deps.stderr.isTTY ? (progress) => ui.info(describeProgress(progress)) : undefined,
          },
          {
            ...tokenDeps(app),
            stdin: deps.stdin,
            sleep: deps.sleep,
            readFile: (path) => {
              deps.debug(`reading ${path}`);
              return readCapped(path);
            },
          },
        );
        await app.out(
          renderResult(result, {
            isTTY: Boolean(deps.stdout.isTTY),
            include: Boolean(options.include),
            silent: Boolean(options.silent),
          }),
        );
        for (const warning of result.warnings) ui.warn(warning);
        if (result.error) throw result.error;
      }),
    );
}
