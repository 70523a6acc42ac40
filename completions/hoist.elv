
use builtin;
use str;

set edit:completion:arg-completer[hoist] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'hoist'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'hoist'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented hoist.yaml for the current directory'
            cand new 'Scaffold a new function and add it to hoist.yaml'
            cand bundle 'Bundle functions into deterministic archives'
            cand build 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)'
            cand config 'Inspect and check hoist.yaml'
            cand push 'Store each function''s archive and release manifest as an immutable version, and push its image when a registry is configured'
            cand versions 'List the versions in the artifact store of one function, or of every function'
            cand pull 'Download a version''s archive from the store, checking its digest'
            cand prune 'Delete old versions of a function from the store'
            cand login 'Store a target''s API token: in the OS keyring, else in a 0600 file (it says which, and why)'
            cand logout 'Forget a target''s stored API token'
            cand completions 'Print shell completions'
            cand deploy 'Bundle, store and deploy functions to a target as one release (all go live or none)'
            cand rollback 'Put a function back on an earlier version, with the env it was deployed with'
            cand warmup 'Start workers of a function''s active version and wait until they are ready'
            cand logs 'Show a function''s logs, or follow them with -f'
            cand env 'Manage a function''s environment variables and secrets on its target'
            cand status 'Show functions'' active versions, workers and health on the target'
            cand invoke 'Call a function and print its answer'
            cand delete 'Delete a function (soft) or one of its versions from the target'
            cand releases 'List releases: which versions went live together, when, by whom'
            cand backend 'Run the reference self-hosted functions backend (serve, start, stop, status)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;init'= {
            cand --name 'Project name (default: the directory name)'
            cand --runtime 'Default runtime for functions whose runtime cannot be detected'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --force 'Overwrite an existing hoist.yaml'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;new'= {
            cand --runtime 'Runtime of the new function'
            cand --path 'Directory to create (default: functions/<name>, or supabase/functions/<name> in a Supabase project)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;bundle'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --allow-unresolved 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;build'= {
            cand --builder 'Who builds the image: native (no daemon), an external builder, or auto (native unless the Dockerfile runs commands) [default: `builder:` in hoist.yaml, else auto]'
            cand --platform 'Platform of the image, os/arch[/variant]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --allow-unresolved 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;config'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand validate 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line'
            cand show 'Print the resolved configuration, secrets masked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;config;validate'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --allow-unresolved 'Report module specifiers that do not resolve as warnings'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;config;show'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;config;help'= {
            cand validate 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line'
            cand show 'Print the resolved configuration, secrets masked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;config;help;validate'= {
        }
        &'hoist;config;help;show'= {
        }
        &'hoist;config;help;help'= {
        }
        &'hoist;push'= {
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --allow-unresolved 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;versions'= {
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;pull'= {
            cand -o 'Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)'
            cand --out 'Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;prune'= {
            cand --keep 'How many of the newest versions to keep (the newest is always kept)'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --dry-run 'Print what would be deleted and stop'
            cand --uploads 'Only clean stale uploads (every prune aborts hoist''s multipart uploads whose push is gone or over an hour old, and removes temporary files of killed writers); --keep becomes optional'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;login'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --token-stdin 'Read the token from standard input instead of prompting'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;logout'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;completions'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;deploy'= {
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --version 'Version name to deploy under, instead of each function''s version policy'
            cand -j 'Functions deployed at once'
            cand --jobs 'Functions deployed at once'
            cand --health-timeout 'How long new workers get to pass their health gate'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --allow-unresolved 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
            cand --dry-run 'Print the plan (code, env and settings changes per function) and change nothing'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;rollback'= {
            cand --to 'Version to go back to (default: the one deployed before the active one)'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;warmup'= {
            cand -n 'Workers that must be ready'
            cand --count 'Workers that must be ready'
            cand --timeout 'Give up after this many seconds'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;logs'= {
            cand --since 'Only lines newer than this: a duration (10m, 2h, 1d) or an RFC 3339 time'
            cand --version 'Only lines from this version'
            cand --level 'Lowest level shown: debug, info, warn, error'
            cand --region 'Only lines from this region (targets with regions, e.g. fly)'
            cand --machine 'Only lines from this machine or worker'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -f 'Keep printing new lines as they come (Ctrl-C to stop)'
            cand --follow 'Keep printing new lines as they come (Ctrl-C to stop)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;env'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
            cand list 'List a function''s variables (secret values are never shown)'
            cand unset 'Remove variables'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;env;set'= {
            cand --from-file 'Read KEY=VALUE lines from a .env file'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --secret 'Store the values as secrets: never shown again, masked in listings'
            cand --restart 'Replace running workers now so they see the change'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;env;list'= {
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;env;unset'= {
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --restart 'Replace running workers now so they see the change'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;env;help'= {
            cand set 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
            cand list 'List a function''s variables (secret values are never shown)'
            cand unset 'Remove variables'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;env;help;set'= {
        }
        &'hoist;env;help;list'= {
        }
        &'hoist;env;help;unset'= {
        }
        &'hoist;env;help;help'= {
        }
        &'hoist;status'= {
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;invoke'= {
            cand -d 'Request body: JSON or text, or @FILE to read it from a file (@- for stdin)'
            cand --data 'Request body: JSON or text, or @FILE to read it from a file (@- for stdin)'
            cand --query 'Query parameter k=v (repeatable)'
            cand -H 'Request header k:v (repeatable)'
            cand --header 'Request header k:v (repeatable)'
            cand -X 'HTTP method [default: POST with --data, else GET]'
            cand --method 'HTTP method [default: POST with --data, else GET]'
            cand --path 'Path inside the function'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;delete'= {
            cand --version 'Delete only this version (refused while it is active)'
            cand -t 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --target 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;releases'= {
            cand --limit 'Show at most this many, newest first'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend'= {
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand serve 'Run the backend in the foreground until SIGTERM or Ctrl-C'
            cand start 'Run the backend in the background (token generated into <data>/token)'
            cand stop 'Stop the background backend (SIGTERM, then SIGKILL)'
            cand status 'Say whether the backend runs, where, and how many functions it has'
            cand install-runtime 'Install deno or bun under <data>/runtimes with npm'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;backend;serve'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --listen 'Address to listen on'
            cand --token-file 'File holding the bearer token (else HOIST_BACKEND_TOKEN)'
            cand --store 'Artifact store for versions created by reference: a directory or s3://bucket/prefix'
            cand --s3-endpoint 'S3 endpoint URL (MinIO, R2, ...)'
            cand --s3-region 'S3 region'
            cand --max-archive-mb 'Largest accepted archive, in MiB'
            cand --idle-timeout 'Stop a worker left unused this long, beyond a function''s warm_workers'
            cand --worker-env 'Pass this variable of the backend''s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)'
            cand --instance 'The id /api/health answers with (`start` passes one to know its own server; random when not given)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --s3-path-style 'Address S3 buckets by path instead of by host'
            cand --faults 'Accept POST /api/_faults (tests only)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend;start'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --listen 'Address to listen on'
            cand --token-file 'File holding the bearer token (else HOIST_BACKEND_TOKEN)'
            cand --store 'Artifact store for versions created by reference: a directory or s3://bucket/prefix'
            cand --s3-endpoint 'S3 endpoint URL (MinIO, R2, ...)'
            cand --s3-region 'S3 region'
            cand --max-archive-mb 'Largest accepted archive, in MiB'
            cand --idle-timeout 'Stop a worker left unused this long, beyond a function''s warm_workers'
            cand --worker-env 'Pass this variable of the backend''s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)'
            cand --instance 'The id /api/health answers with (`start` passes one to know its own server; random when not given)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --s3-path-style 'Address S3 buckets by path instead of by host'
            cand --faults 'Accept POST /api/_faults (tests only)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend;stop'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend;status'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend;install-runtime'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand -q 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand --quiet 'Print less: only errors and data [env: HOIST_QUIET=]'
            cand -v 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --verbose 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
            cand --no-progress 'Never draw progress bars'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hoist;backend;help'= {
            cand serve 'Run the backend in the foreground until SIGTERM or Ctrl-C'
            cand start 'Run the backend in the background (token generated into <data>/token)'
            cand stop 'Stop the background backend (SIGTERM, then SIGKILL)'
            cand status 'Say whether the backend runs, where, and how many functions it has'
            cand install-runtime 'Install deno or bun under <data>/runtimes with npm'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;backend;help;serve'= {
        }
        &'hoist;backend;help;start'= {
        }
        &'hoist;backend;help;stop'= {
        }
        &'hoist;backend;help;status'= {
        }
        &'hoist;backend;help;install-runtime'= {
        }
        &'hoist;backend;help;help'= {
        }
        &'hoist;help'= {
            cand init 'Write a commented hoist.yaml for the current directory'
            cand new 'Scaffold a new function and add it to hoist.yaml'
            cand bundle 'Bundle functions into deterministic archives'
            cand build 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)'
            cand config 'Inspect and check hoist.yaml'
            cand push 'Store each function''s archive and release manifest as an immutable version, and push its image when a registry is configured'
            cand versions 'List the versions in the artifact store of one function, or of every function'
            cand pull 'Download a version''s archive from the store, checking its digest'
            cand prune 'Delete old versions of a function from the store'
            cand login 'Store a target''s API token: in the OS keyring, else in a 0600 file (it says which, and why)'
            cand logout 'Forget a target''s stored API token'
            cand completions 'Print shell completions'
            cand deploy 'Bundle, store and deploy functions to a target as one release (all go live or none)'
            cand rollback 'Put a function back on an earlier version, with the env it was deployed with'
            cand warmup 'Start workers of a function''s active version and wait until they are ready'
            cand logs 'Show a function''s logs, or follow them with -f'
            cand env 'Manage a function''s environment variables and secrets on its target'
            cand status 'Show functions'' active versions, workers and health on the target'
            cand invoke 'Call a function and print its answer'
            cand delete 'Delete a function (soft) or one of its versions from the target'
            cand releases 'List releases: which versions went live together, when, by whom'
            cand backend 'Run the reference self-hosted functions backend (serve, start, stop, status)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;help;init'= {
        }
        &'hoist;help;new'= {
        }
        &'hoist;help;bundle'= {
        }
        &'hoist;help;build'= {
        }
        &'hoist;help;config'= {
            cand validate 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line'
            cand show 'Print the resolved configuration, secrets masked'
        }
        &'hoist;help;config;validate'= {
        }
        &'hoist;help;config;show'= {
        }
        &'hoist;help;push'= {
        }
        &'hoist;help;versions'= {
        }
        &'hoist;help;pull'= {
        }
        &'hoist;help;prune'= {
        }
        &'hoist;help;login'= {
        }
        &'hoist;help;logout'= {
        }
        &'hoist;help;completions'= {
        }
        &'hoist;help;deploy'= {
        }
        &'hoist;help;rollback'= {
        }
        &'hoist;help;warmup'= {
        }
        &'hoist;help;logs'= {
        }
        &'hoist;help;env'= {
            cand set 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
            cand list 'List a function''s variables (secret values are never shown)'
            cand unset 'Remove variables'
        }
        &'hoist;help;env;set'= {
        }
        &'hoist;help;env;list'= {
        }
        &'hoist;help;env;unset'= {
        }
        &'hoist;help;status'= {
        }
        &'hoist;help;invoke'= {
        }
        &'hoist;help;delete'= {
        }
        &'hoist;help;releases'= {
        }
        &'hoist;help;backend'= {
            cand serve 'Run the backend in the foreground until SIGTERM or Ctrl-C'
            cand start 'Run the backend in the background (token generated into <data>/token)'
            cand stop 'Stop the background backend (SIGTERM, then SIGKILL)'
            cand status 'Say whether the backend runs, where, and how many functions it has'
            cand install-runtime 'Install deno or bun under <data>/runtimes with npm'
        }
        &'hoist;help;backend;serve'= {
        }
        &'hoist;help;backend;start'= {
        }
        &'hoist;help;backend;stop'= {
        }
        &'hoist;help;backend;status'= {
        }
        &'hoist;help;backend;install-runtime'= {
        }
        &'hoist;help;help'= {
        }
    ]
    $completions[$command]
}
