# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hoist_global_optspecs
    string join \n config= output= q/quiet v/verbose no-progress y/yes color= h/help V/version
end

function __fish_hoist_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hoist_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hoist_using_subcommand
    set -l cmd (__fish_hoist_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hoist -n "__fish_hoist_needs_command" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_needs_command" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_needs_command" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_needs_command" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_needs_command" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_needs_command" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_needs_command" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_needs_command" -s V -l version -d 'Print version'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "init" -d 'Write a commented hoist.yaml for the current directory'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "new" -d 'Scaffold a new function and add it to hoist.yaml'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "bundle" -d 'Bundle functions into deterministic archives'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "build" -d 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "config" -d 'Inspect and check hoist.yaml'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "push" -d 'Store each function\'s archive and release manifest as an immutable version, and push its image when a registry is configured'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "versions" -d 'List the versions in the artifact store of one function, or of every function'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "pull" -d 'Download a version\'s archive from the store, checking its digest'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "prune" -d 'Delete old versions of a function from the store'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "login" -d 'Store a target\'s API token: in the OS keyring, else in a 0600 file (it says which, and why)'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "logout" -d 'Forget a target\'s stored API token'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "deploy" -d 'Bundle, store and deploy functions to a target as one release (all go live or none)'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "rollback" -d 'Put a function back on an earlier version, with the env it was deployed with'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "warmup" -d 'Start workers of a function\'s active version and wait until they are ready'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "logs" -d 'Show a function\'s logs, or follow them with -f'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "env" -d 'Manage a function\'s environment variables and secrets on its target'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "status" -d 'Show functions\' active versions, workers and health on the target'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "invoke" -d 'Call a function and print its answer'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "delete" -d 'Delete a function (soft) or one of its versions from the target'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "releases" -d 'List releases: which versions went live together, when, by whom'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "backend" -d 'Run the reference self-hosted functions backend (serve, start, stop, status)'
complete -c hoist -n "__fish_hoist_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand init" -l name -d 'Project name (default: the directory name)' -r
complete -c hoist -n "__fish_hoist_using_subcommand init" -l runtime -d 'Default runtime for functions whose runtime cannot be detected' -r -f -a "deno\t''
bun\t''
node\t''
dart\t''"
complete -c hoist -n "__fish_hoist_using_subcommand init" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand init" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand init" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand init" -l force -d 'Overwrite an existing hoist.yaml'
complete -c hoist -n "__fish_hoist_using_subcommand init" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand init" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand init" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand init" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand init" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand new" -l runtime -d 'Runtime of the new function' -r -f -a "deno\t''
bun\t''
node\t''
dart\t''"
complete -c hoist -n "__fish_hoist_using_subcommand new" -l path -d 'Directory to create (default: functions/<name>, or supabase/functions/<name> in a Supabase project)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand new" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand new" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand new" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand new" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand new" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand new" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand new" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand new" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -l allow-unresolved -d 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand bundle" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand build" -l builder -d 'Who builds the image: native (no daemon), an external builder, or auto (native unless the Dockerfile runs commands) [default: `builder:` in hoist.yaml, else auto]' -r -f -a "auto\t''
native\t''
docker\t''
podman\t''
buildah\t''"
complete -c hoist -n "__fish_hoist_using_subcommand build" -l platform -d 'Platform of the image, os/arch[/variant]' -r
complete -c hoist -n "__fish_hoist_using_subcommand build" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand build" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand build" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand build" -l allow-unresolved -d 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
complete -c hoist -n "__fish_hoist_using_subcommand build" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand build" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand build" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand build" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand build" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -f -a "validate" -d 'Check hoist.yaml (and supabase/config.toml, and every deno function\'s module graph) and report every problem with its line'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -f -a "show" -d 'Print the resolved configuration, secrets masked'
complete -c hoist -n "__fish_hoist_using_subcommand config; and not __fish_seen_subcommand_from validate show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -l allow-unresolved -d 'Report module specifiers that do not resolve as warnings'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check hoist.yaml (and supabase/config.toml, and every deno function\'s module graph) and report every problem with its line'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the resolved configuration, secrets masked'
complete -c hoist -n "__fish_hoist_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand push" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand push" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand push" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand push" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand push" -l allow-unresolved -d 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
complete -c hoist -n "__fish_hoist_using_subcommand push" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand push" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand push" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand push" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand push" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand versions" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand versions" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand versions" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand versions" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand versions" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand versions" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand versions" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand versions" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand versions" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand pull" -s o -l out -d 'Where to write the archive: a file, or a directory to put FUNCTION-VERSION.tar.gz in (default: ./FUNCTION-VERSION.tar.gz)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand pull" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand pull" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand pull" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand pull" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand pull" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand pull" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand pull" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand pull" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand pull" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l keep -d 'How many of the newest versions to keep (the newest is always kept)' -r
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l dry-run -d 'Print what would be deleted and stop'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l uploads -d 'Only clean stale uploads (every prune aborts hoist\'s multipart uploads whose push is gone or over an hour old, and removes temporary files of killed writers); --keep becomes optional'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand prune" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand login" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand login" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand login" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand login" -l token-stdin -d 'Read the token from standard input instead of prompting'
complete -c hoist -n "__fish_hoist_using_subcommand login" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand login" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand login" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand login" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand login" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand logout" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand logout" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand logout" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand logout" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand logout" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand logout" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand logout" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand logout" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand completions" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand completions" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand completions" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand completions" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand completions" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand completions" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand completions" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l version -d 'Version name to deploy under, instead of each function\'s version policy' -r
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s j -l jobs -d 'Functions deployed at once' -r
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l health-timeout -d 'How long new workers get to pass their health gate' -r
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l allow-unresolved -d 'Report module specifiers that do not resolve (deno functions) as warnings instead of failing'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l dry-run -d 'Print the plan (code, env and settings changes per function) and change nothing'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l to -d 'Version to go back to (default: the one deployed before the active one)' -r
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s n -l count -d 'Workers that must be ready' -r
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -l timeout -d 'Give up after this many seconds' -r
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand warmup" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l since -d 'Only lines newer than this: a duration (10m, 2h, 1d) or an RFC 3339 time' -r
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l version -d 'Only lines from this version' -r
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l level -d 'Lowest level shown: debug, info, warn, error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l region -d 'Only lines from this region (targets with regions, e.g. fly)' -r
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l machine -d 'Only lines from this machine or worker' -r
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s f -l follow -d 'Keep printing new lines as they come (Ctrl-C to stop)'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand logs" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -f -a "set" -d 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -f -a "list" -d 'List a function\'s variables (secret values are never shown)'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -f -a "unset" -d 'Remove variables'
complete -c hoist -n "__fish_hoist_using_subcommand env; and not __fish_seen_subcommand_from set list unset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l from-file -d 'Read KEY=VALUE lines from a .env file' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l secret -d 'Store the values as secrets: never shown again, masked in listings'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l restart -d 'Replace running workers now so they see the change'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -l restart -d 'Replace running workers now so they see the change'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a function\'s variables (secret values are never shown)'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove variables'
complete -c hoist -n "__fish_hoist_using_subcommand env; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand status" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand status" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand status" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand status" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand status" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand status" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand status" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand status" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand status" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s d -l data -d 'Request body: JSON or text, or @FILE to read it from a file (@- for stdin)' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l query -d 'Query parameter k=v (repeatable)' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s H -l header -d 'Request header k:v (repeatable)' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s X -l method -d 'HTTP method [default: POST with --data, else GET]' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l path -d 'Path inside the function' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand invoke" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand delete" -l version -d 'Delete only this version (refused while it is active)' -r
complete -c hoist -n "__fish_hoist_using_subcommand delete" -s t -l target -d 'Target to use: selfhosted or fly [default: targets.default in hoist.yaml, else the local backend]' -r
complete -c hoist -n "__fish_hoist_using_subcommand delete" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand delete" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand delete" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand delete" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand delete" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand delete" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand delete" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand delete" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l limit -d 'Show at most this many, newest first' -r
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l profile -d 'AWS shared-config profile for S3 credentials (beats storage.s3.profile)' -r
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand releases" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand releases" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand releases" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand releases" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand releases" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "serve" -d 'Run the backend in the foreground until SIGTERM or Ctrl-C'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "start" -d 'Run the backend in the background (token generated into <data>/token)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "stop" -d 'Stop the background backend (SIGTERM, then SIGKILL)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "status" -d 'Say whether the backend runs, where, and how many functions it has'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "install-runtime" -d 'Install deno or bun under <data>/runtimes with npm'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and not __fish_seen_subcommand_from serve start stop status install-runtime help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/hoist/backend]' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l listen -d 'Address to listen on' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l token-file -d 'File holding the bearer token (else HOIST_BACKEND_TOKEN)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l store -d 'Artifact store for versions created by reference: a directory or s3://bucket/prefix' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l s3-endpoint -d 'S3 endpoint URL (MinIO, R2, ...)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l s3-region -d 'S3 region' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l max-archive-mb -d 'Largest accepted archive, in MiB' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l idle-timeout -d 'Stop a worker left unused this long, beyond a function\'s warm_workers' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l worker-env -d 'Pass this variable of the backend\'s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l instance -d 'The id /api/health answers with (`start` passes one to know its own server; random when not given)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l s3-path-style -d 'Address S3 buckets by path instead of by host'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l faults -d 'Accept POST /api/_faults (tests only)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/hoist/backend]' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l listen -d 'Address to listen on' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l token-file -d 'File holding the bearer token (else HOIST_BACKEND_TOKEN)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l store -d 'Artifact store for versions created by reference: a directory or s3://bucket/prefix' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l s3-endpoint -d 'S3 endpoint URL (MinIO, R2, ...)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l s3-region -d 'S3 region' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l max-archive-mb -d 'Largest accepted archive, in MiB' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l idle-timeout -d 'Stop a worker left unused this long, beyond a function\'s warm_workers' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l worker-env -d 'Pass this variable of the backend\'s environment to every worker, beside the network settings always passed (repeatable; never HOIST_* or AWS_*)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l instance -d 'The id /api/health answers with (`start` passes one to know its own server; random when not given)' -r
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l s3-path-style -d 'Address S3 buckets by path instead of by host'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l faults -d 'Accept POST /api/_faults (tests only)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/hoist/backend]' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/hoist/backend]' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -l data-dir -d 'Data directory [default: $XDG_DATA_HOME/hoist/backend]' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -l config -d 'Path to hoist.yaml (default: search upward from the current directory)' -r -F
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -l output -d 'Output format for data on stdout' -r -f -a "text\t''
json\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -l color -d 'When to use colours (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -s q -l quiet -d 'Print less: only errors and data [env: HOIST_QUIET=]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -s v -l verbose -d 'Print more detail on stderr (repeatable) [env: HOIST_VERBOSE=N]'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -l no-progress -d 'Never draw progress bars'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from install-runtime" -s h -l help -d 'Print help'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Run the backend in the foreground until SIGTERM or Ctrl-C'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "start" -d 'Run the backend in the background (token generated into <data>/token)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the background backend (SIGTERM, then SIGKILL)'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "status" -d 'Say whether the backend runs, where, and how many functions it has'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "install-runtime" -d 'Install deno or bun under <data>/runtimes with npm'
complete -c hoist -n "__fish_hoist_using_subcommand backend; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "init" -d 'Write a commented hoist.yaml for the current directory'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "new" -d 'Scaffold a new function and add it to hoist.yaml'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "bundle" -d 'Bundle functions into deterministic archives'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "build" -d 'Bundle functions, lay out each build context with its Dockerfile, and build the image (no daemon needed)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "config" -d 'Inspect and check hoist.yaml'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "push" -d 'Store each function\'s archive and release manifest as an immutable version, and push its image when a registry is configured'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "versions" -d 'List the versions in the artifact store of one function, or of every function'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "pull" -d 'Download a version\'s archive from the store, checking its digest'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "prune" -d 'Delete old versions of a function from the store'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "login" -d 'Store a target\'s API token: in the OS keyring, else in a 0600 file (it says which, and why)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "logout" -d 'Forget a target\'s stored API token'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "completions" -d 'Print shell completions'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "deploy" -d 'Bundle, store and deploy functions to a target as one release (all go live or none)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "rollback" -d 'Put a function back on an earlier version, with the env it was deployed with'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "warmup" -d 'Start workers of a function\'s active version and wait until they are ready'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "logs" -d 'Show a function\'s logs, or follow them with -f'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "env" -d 'Manage a function\'s environment variables and secrets on its target'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "status" -d 'Show functions\' active versions, workers and health on the target'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "invoke" -d 'Call a function and print its answer'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "delete" -d 'Delete a function (soft) or one of its versions from the target'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "releases" -d 'List releases: which versions went live together, when, by whom'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "backend" -d 'Run the reference self-hosted functions backend (serve, start, stop, status)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and not __fish_seen_subcommand_from init new bundle build config push versions pull prune login logout completions deploy rollback warmup logs env status invoke delete releases backend help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Check hoist.yaml (and supabase/config.toml, and every deno function\'s module graph) and report every problem with its line'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the resolved configuration, secrets masked'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "set" -d 'Set variables: KEY=VALUE, or KEY alone to read the value from stdin'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "list" -d 'List a function\'s variables (secret values are never shown)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from env" -f -a "unset" -d 'Remove variables'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from backend" -f -a "serve" -d 'Run the backend in the foreground until SIGTERM or Ctrl-C'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from backend" -f -a "start" -d 'Run the backend in the background (token generated into <data>/token)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from backend" -f -a "stop" -d 'Stop the background backend (SIGTERM, then SIGKILL)'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from backend" -f -a "status" -d 'Say whether the backend runs, where, and how many functions it has'
complete -c hoist -n "__fish_hoist_using_subcommand help; and __fish_seen_subcommand_from backend" -f -a "install-runtime" -d 'Install deno or bun under <data>/runtimes with npm'
