
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'hoist' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'hoist'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'hoist' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented hoist.yaml for the current directory')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Scaffold a new function and add it to hoist.yaml')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Bundle functions into deterministic archives')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect and check hoist.yaml')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Store each function''s archive and release manifest as an immutable version, and push its image when a registry is configured')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions in the artifact store of one function, or of every function')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Download a version''s archive from the store, checking its digest')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old versions of a function from the store')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a target''s API token: in the OS keyring, else in a 0600 file (it says which, and why)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget a target''s stored API token')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Bundle, store and deploy functions to a target as one release (all go live or none)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Put a function back on an earlier version, with the env it was deployed with')
            [CompletionResult]::new('warmup', 'warmup', [CompletionResultType]::ParameterValue, 'Start workers of a function''s active version and wait until they are ready')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a function''s logs, or follow them with -f')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Manage a function''s environment variables and secrets on its target')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show functions'' active versions, workers and health on the target')
            [CompletionResult]::new('invoke', 'invoke', [CompletionResultType]::ParameterValue, 'Call a function and print its answer')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a function (soft) or one of its versions from the target')
            [CompletionResult]::new('releases', 'releases', [CompletionResultType]::ParameterValue, 'List releases: which versions went live together, when, by whom')
            [CompletionResult]::new('backend', 'backend', [CompletionResultType]::ParameterValue, 'Run the reference self-hosted functions backend (serve, start, stop, status)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;init' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Project name (default: the directory name)')
            [CompletionResult]::new('--runtime', '--runtime', [CompletionResultType]::ParameterName, 'Default runtime for functions whose runtime cannot be detected')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing hoist.yaml')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;new' {
            [CompletionResult]::new('--runtime', '--runtime', [CompletionResultType]::ParameterName, 'Runtime of the new function')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory to create (default: functions/<name>, or supabase/functions/<name> in a Supabase project)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;bundle' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--allow-unresolved', '--allow-unresolved', [CompletionResultType]::ParameterName, 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;build' {
            [CompletionResult]::new('--builder', '--builder', [CompletionResultType]::ParameterName, 'Who builds the image: native (no daemon), an external builder, or auto (native unless the Dockerfile runs commands) [default: `builder:` in hoist.yaml, else auto]')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Platform of the image, os/arch[/variant]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--allow-unresolved', '--allow-unresolved', [CompletionResultType]::ParameterName, 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the resolved configuration, secrets masked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;config;validate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--allow-unresolved', '--allow-unresolved', [CompletionResultType]::ParameterName, 'Report module specifiers that do not resolve as warnings')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;config;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;config;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the resolved configuration, secrets masked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;config;help;validate' {
            break
        }
        'hoist;config;help;show' {
            break
        }
        'hoist;config;help;help' {
            break
        }
        'hoist;push' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--allow-unresolved', '--allow-unresolved', [CompletionResultType]::ParameterName, 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;versions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;pull' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;prune' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'How many of the newest versions to keep (the newest is always kept)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be deleted and stop')
            [CompletionResult]::new('--uploads', '--uploads', [CompletionResultType]::ParameterName, 'Only clean stale uploads (every prune aborts hoist''s multipart uploads whose push is gone or over an hour old, and removes temporary files of killed writers); --keep becomes optional')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;login' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from standard input instead of prompting')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;logout' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;deploy' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Version name to deploy under, instead of each function''s version policy')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Functions deployed at once')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Functions deployed at once')
            [CompletionResult]::new('--health-timeout', '--health-timeout', [CompletionResultType]::ParameterName, 'How long new workers get to pass their health gate')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--allow-unresolved', '--allow-unresolved', [CompletionResultType]::ParameterName, 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (code, env and settings changes per function) and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Version to go back to (default: the one deployed before the active one)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;warmup' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Workers that must be ready')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Workers that must be ready')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this many seconds')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;logs' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than this: a duration (10m, 2h, 1d) or an RFC 3339 time')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Only lines from this version')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Lowest level shown: debug, info, warn, error')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Only lines from this region (targets with regions, e.g. fly)')
            [CompletionResult]::new('--machine', '--machine', [CompletionResultType]::ParameterName, 'Only lines from this machine or worker')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new lines as they come (Ctrl-C to stop)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new lines as they come (Ctrl-C to stop)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;env' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a function''s variables (secret values are never shown)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove variables')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;env;set' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read KEY=VALUE lines from a .env file')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Store the values as secrets: never shown again, masked in listings')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Replace running workers now so they see the change')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;env;list' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;env;unset' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Replace running workers now so they see the change')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;env;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a function''s variables (secret values are never shown)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove variables')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;env;help;set' {
            break
        }
        'hoist;env;help;list' {
            break
        }
        'hoist;env;help;unset' {
            break
        }
        'hoist;env;help;help' {
            break
        }
        'hoist;status' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;invoke' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Request body: JSON or text, or @FILE to read it from a file (@- for stdin)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Request body: JSON or text, or @FILE to read it from a file (@- for stdin)')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Query parameter k=v (repeatable)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Request header k:v (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Request header k:v (repeatable)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'HTTP method [default: POST with --data, else GET]')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method [default: POST with --data, else GET]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Path inside the function')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;delete' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Delete only this version (refused while it is active)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;releases' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many, newest first')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the backend in the foreground until SIGTERM or Ctrl-C')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run the backend in the background (token generated into <data>/token)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the background backend (SIGTERM, then SIGKILL)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the backend runs, where, and how many functions it has')
            [CompletionResult]::new('install-runtime', 'install-runtime', [CompletionResultType]::ParameterValue, 'Install deno or bun under <data>/runtimes with npm')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;backend;serve' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory [default: $XDG_DATA_HOME/hoist/backend]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the bearer token (else HOIST_BACKEND_TOKEN)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Artifact store for versions created by reference: a directory or s3://bucket/prefix')
            [CompletionResult]::new('--s3-endpoint', '--s3-endpoint', [CompletionResultType]::ParameterName, 'S3 endpoint URL (MinIO, R2, ...)')
            [CompletionResult]::new('--s3-region', '--s3-region', [CompletionResultType]::ParameterName, 'S3 region')
            [CompletionResult]::new('--max-archive-mb', '--max-archive-mb', [CompletionResultType]::ParameterName, 'Largest accepted archive, in MiB')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Stop a worker left unused this long, beyond a function''s warm_workers')
            [CompletionResult]::new('--worker-env', '--worker-env', [CompletionResultType]::ParameterName, 'Pass this variable of the backend''s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)')
            [CompletionResult]::new('--instance', '--instance', [CompletionResultType]::ParameterName, 'The id /api/health answers with (`start` passes one to know its own server; random when not given)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--s3-path-style', '--s3-path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets by path instead of by host')
            [CompletionResult]::new('--faults', '--faults', [CompletionResultType]::ParameterName, 'Accept POST /api/_faults (tests only)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend;start' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory [default: $XDG_DATA_HOME/hoist/backend]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the bearer token (else HOIST_BACKEND_TOKEN)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Artifact store for versions created by reference: a directory or s3://bucket/prefix')
            [CompletionResult]::new('--s3-endpoint', '--s3-endpoint', [CompletionResultType]::ParameterName, 'S3 endpoint URL (MinIO, R2, ...)')
            [CompletionResult]::new('--s3-region', '--s3-region', [CompletionResultType]::ParameterName, 'S3 region')
            [CompletionResult]::new('--max-archive-mb', '--max-archive-mb', [CompletionResultType]::ParameterName, 'Largest accepted archive, in MiB')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Stop a worker left unused this long, beyond a function''s warm_workers')
            [CompletionResult]::new('--worker-env', '--worker-env', [CompletionResultType]::ParameterName, 'Pass this variable of the backend''s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)')
            [CompletionResult]::new('--instance', '--instance', [CompletionResultType]::ParameterName, 'The id /api/health answers with (`start` passes one to know its own server; random when not given)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('--s3-path-style', '--s3-path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets by path instead of by host')
            [CompletionResult]::new('--faults', '--faults', [CompletionResultType]::ParameterName, 'Accept POST /api/_faults (tests only)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend;stop' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory [default: $XDG_DATA_HOME/hoist/backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend;status' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory [default: $XDG_DATA_HOME/hoist/backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend;install-runtime' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory [default: $XDG_DATA_HOME/hoist/backend]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Path to hoist.yaml (default: search upward from the current directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured by `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only errors and data [env: HOIST_QUIET=]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; never prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hoist;backend;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the backend in the foreground until SIGTERM or Ctrl-C')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run the backend in the background (token generated into <data>/token)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the background backend (SIGTERM, then SIGKILL)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the backend runs, where, and how many functions it has')
            [CompletionResult]::new('install-runtime', 'install-runtime', [CompletionResultType]::ParameterValue, 'Install deno or bun under <data>/runtimes with npm')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;backend;help;serve' {
            break
        }
        'hoist;backend;help;start' {
            break
        }
        'hoist;backend;help;stop' {
            break
        }
        'hoist;backend;help;status' {
            break
        }
        'hoist;backend;help;install-runtime' {
            break
        }
        'hoist;backend;help;help' {
            break
        }
        'hoist;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented hoist.yaml for the current directory')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Scaffold a new function and add it to hoist.yaml')
            [CompletionResult]::new('bundle', 'bundle', [CompletionResultType]::ParameterValue, 'Bundle functions into deterministic archives')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect and check hoist.yaml')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Store each function''s archive and release manifest as an immutable version, and push its image when a registry is configured')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions in the artifact store of one function, or of every function')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Download a version''s archive from the store, checking its digest')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old versions of a function from the store')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a target''s API token: in the OS keyring, else in a 0600 file (it says which, and why)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget a target''s stored API token')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Bundle, store and deploy functions to a target as one release (all go live or none)')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Put a function back on an earlier version, with the env it was deployed with')
            [CompletionResult]::new('warmup', 'warmup', [CompletionResultType]::ParameterValue, 'Start workers of a function''s active version and wait until they are ready')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show a function''s logs, or follow them with -f')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Manage a function''s environment variables and secrets on its target')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show functions'' active versions, workers and health on the target')
            [CompletionResult]::new('invoke', 'invoke', [CompletionResultType]::ParameterValue, 'Call a function and print its answer')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a function (soft) or one of its versions from the target')
            [CompletionResult]::new('releases', 'releases', [CompletionResultType]::ParameterValue, 'List releases: which versions went live together, when, by whom')
            [CompletionResult]::new('backend', 'backend', [CompletionResultType]::ParameterValue, 'Run the reference self-hosted functions backend (serve, start, stop, status)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hoist;help;init' {
            break
        }
        'hoist;help;new' {
            break
        }
        'hoist;help;bundle' {
            break
        }
        'hoist;help;build' {
            break
        }
        'hoist;help;config' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check hoist.yaml (and supabase/config.toml, and every deno function''s module graph) and report every problem with its line')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the resolved configuration, secrets masked')
            break
        }
        'hoist;help;config;validate' {
            break
        }
        'hoist;help;config;show' {
            break
        }
        'hoist;help;push' {
            break
        }
        'hoist;help;versions' {
            break
        }
        'hoist;help;pull' {
            break
        }
        'hoist;help;prune' {
            break
        }
        'hoist;help;login' {
            break
        }
        'hoist;help;logout' {
            break
        }
        'hoist;help;completions' {
            break
        }
        'hoist;help;deploy' {
            break
        }
        'hoist;help;rollback' {
            break
        }
        'hoist;help;warmup' {
            break
        }
        'hoist;help;logs' {
            break
        }
        'hoist;help;env' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a function''s variables (secret values are never shown)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove variables')
            break
        }
        'hoist;help;env;set' {
            break
        }
        'hoist;help;env;list' {
            break
        }
        'hoist;help;env;unset' {
            break
        }
        'hoist;help;status' {
            break
        }
        'hoist;help;invoke' {
            break
        }
        'hoist;help;delete' {
            break
        }
        'hoist;help;releases' {
            break
        }
        'hoist;help;backend' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the backend in the foreground until SIGTERM or Ctrl-C')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run the backend in the background (token generated into <data>/token)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the background backend (SIGTERM, then SIGKILL)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the backend runs, where, and how many functions it has')
            [CompletionResult]::new('install-runtime', 'install-runtime', [CompletionResultType]::ParameterValue, 'Install deno or bun under <data>/runtimes with npm')
            break
        }
        'hoist;help;backend;serve' {
            break
        }
        'hoist;help;backend;start' {
            break
        }
        'hoist;help;backend;stop' {
            break
        }
        'hoist;help;backend;status' {
            break
        }
        'hoist;help;backend;install-runtime' {
            break
        }
        'hoist;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
