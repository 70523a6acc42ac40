
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
            cand versions 'List a function''s versions in the artifact store'
            cand pull 'Download a version''s archive from the store, checking its digest'
            cand prune 'Delete old versions of a function from the store'
            cand login 'Store a target''s API token in the OS keyring'
            cand logout 'Forget a target''s stored API token'
            cand completions 'Print shell completions'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hoist;bundle'= {
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
        }
        &'hoist;build'= {
            cand --builder 'Who builds the image: native (no daemon), an external builder, or auto (native unless the Dockerfile runs commands) [default: `builder:` in hoist.yaml, else auto]'
            cand --platform 'Platform of the image, os/arch[/variant]'
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
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check hoist.yaml and report every problem with its line'
            cand show 'Print the resolved configuration, secrets masked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hoist;config;validate'= {
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
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hoist;config;help'= {
            cand validate 'Check hoist.yaml and report every problem with its line'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hoist;prune'= {
            cand --keep 'How many of the newest versions to keep (the newest is always kept)'
            cand --profile 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)'
            cand --config 'Path to hoist.yaml (default: search upward from the current directory)'
            cand --output 'Output format for data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured by `auto`)'
            cand --dry-run 'Print what would be deleted and stop'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'hoist;backend;start'= {
            cand --data-dir 'Data directory [default: $XDG_DATA_HOME/hoist/backend]'
            cand --listen 'Address to listen on'
            cand --token-file 'File holding the bearer token (else HOIST_BACKEND_TOKEN)'
            cand --store 'Artifact store for versions created by reference: a directory or s3://bucket/prefix'
            cand --s3-endpoint 'S3 endpoint URL (MinIO, R2, ...)'
            cand --s3-region 'S3 region'
            cand --max-archive-mb 'Largest accepted archive, in MiB'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand -V 'Print version'
            cand --version 'Print version'
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
            cand versions 'List a function''s versions in the artifact store'
            cand pull 'Download a version''s archive from the store, checking its digest'
            cand prune 'Delete old versions of a function from the store'
            cand login 'Store a target''s API token in the OS keyring'
            cand logout 'Forget a target''s stored API token'
            cand completions 'Print shell completions'
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
            cand validate 'Check hoist.yaml and report every problem with its line'
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
