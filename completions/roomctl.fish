# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_roomctl_global_optspecs
    string join \n q/quiet v/verbose s/store= key-prefix= config= password-file= tls-ca= tls-cert= tls-key= tls-insecure max-room-size= h/help V/version
end

function __fish_roomctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_roomctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_roomctl_using_subcommand
    set -l cmd (__fish_roomctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c roomctl -n "__fish_roomctl_needs_command" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_needs_command" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_needs_command" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_needs_command" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_needs_command" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_needs_command" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_needs_command" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_needs_command" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_needs_command" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_needs_command" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_needs_command" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_needs_command" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "list" -d 'List the rooms of a store'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "ls" -d 'List the rooms of a store'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "show" -d 'Show everything about one room'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "stats" -d 'Sum up a store or an archive: counts, sizes, idle ages, top creators'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "delete" -d 'Delete rooms by name'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "rm" -d 'Delete rooms by name'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "export" -d 'Write every room (or a selection) to a backup archive'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "import" -d 'Restore rooms from an archive, never clobbering by surprise'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "archive" -d 'Verify a backup archive, or list and show its rooms, without a store'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "check" -d 'Check a store for problems; repair the safe ones with --fix'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "migrate-backend" -d 'Copy every room to another store, verify, and optionally delete the source'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "prune-inactive" -d 'Delete the rooms inactive for longer than a given time'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c roomctl -n "__fish_roomctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON array'
yaml\t'One YAML sequence'
ndjson\t'One JSON object per line'
name\t'Room names only, one per line'"
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l sort -d 'Order of the rooms' -r -f -a "name\t'Room name'
created\t'Creation time, oldest first'
activity\t'Last activity, least recent first (unknown activity first of all)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s r -l reverse -d 'Reverse the order'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON array'
yaml\t'One YAML sequence'
ndjson\t'One JSON object per line'
name\t'Room names only, one per line'"
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l sort -d 'Order of the rooms' -r -f -a "name\t'Room name'
created\t'Creation time, oldest first'
activity\t'Last activity, least recent first (unknown activity first of all)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s r -l reverse -d 'Reverse the order'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand ls" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s o -l output -d 'Output format: text for people, json/yaml for the stored document with every field' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l show-password -d 'Show the room\'s password instead of redacting it'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand show" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s o -l output -d 'Output format: text with bars for people, json/yaml for programs (shape in docs/stats.md)' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l top -d 'How many of the creators with the most rooms to list' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l archive -d 'Read this export archive (or any file import takes) instead of a store' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand stats" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s o -l output -d 'Output format of the report' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l ignore-missing -d 'Names that do not exist are not an error'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l include-invalid -d 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand delete" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s o -l output -d 'Output format of the report' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l ignore-missing -d 'Names that do not exist are not an error'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l include-invalid -d 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand rm" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s f -l format -d 'Archive format [default: from the file name, else jsonl]' -r -f -a "jsonl\t'JSON Lines: header, one room per line, trailer (streamable, jq-friendly)'
json\t'One JSON document with the same header and trailer'
yaml\t'YAML with the same header and trailer, for reading and hand-editing'"
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s z -l compress -d 'Compress with gzip or zstd, named attached: -z=zstd, --compress=zstd. A bare -z compresses as FILE\'s name says (.gz, .zst), else with gzip; a FILE ending in .gz or .zst is compressed even without -z' -r -f -a "gzip\t''
zstd\t''"
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l metrics-file -d 'Write what the run did to FILE for Prometheus, whatever the outcome' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l room -d 'Only the room of exactly this name (repeatable). A name that is not there is an error (exit 4) and nothing is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l rooms-from -d 'Only the rooms named in FILE, one exact name a line (`-` for stdin; CRLF and empty lines are fine). Adds to --room' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l skip-invalid -d 'Exit 0 even when entries that are not readable rooms were left out'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l force -d 'Overwrite FILE if it exists'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand export" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l on-conflict -d 'What to do with a room that already exists with other content. `fail` imports nothing at all if any room conflicts; `overwrite` and `newer` need --yes' -r -f -a "fail\t'Keep the target\'s room and fail (exit 5)'
skip\t'Keep the target\'s room and carry on'
overwrite\t'Replace the target\'s room'
newer\t'Keep whichever copy has the later last activity; a tie or an unknown activity is a conflict (exit 5)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s o -l output -d 'Output format of the summary (on stdout with json/yaml)' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l room -d 'Only the room of exactly this name (repeatable). A name that is not there is an error (exit 4) and nothing is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l rooms-from -d 'Only the rooms named in FILE, one exact name a line (`-` for stdin; CRLF and empty lines are fine). Adds to --room' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l metrics-file -d 'Write what the run did to FILE for Prometheus, whatever the outcome' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l include-invalid -d 'With `--on-conflict overwrite`: also replace an invalid stored document of a room\'s name (corrupt JSON, a missing field), restoring the room from the archive. An entry that is not a room at all (a Redis set, a JSON array) or a file holding another room is never replaced'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l allow-truncated -d 'Import the rooms of an archive that has lost its end (no trailer)'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l create-store -d 'Create the store\'s directory (and its missing parents) when it does not exist; without it, a missing directory is an error (exit 7), so that a typo in a path never becomes a new store'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand import" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -s h -l help -d 'Print help'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -f -a "verify" -d 'Check that archives are whole and sound, as import would'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -f -a "list" -d 'List the rooms in an archive, as `list` lists a store\'s'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -f -a "ls" -d 'List the rooms in an archive, as `list` lists a store\'s'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -f -a "show" -d 'Show one room of an archive, as `show` shows a stored one'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and not __fish_seen_subcommand_from verify list ls show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format: one line per archive, or a JSON/YAML list (on stdout)' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON array'
yaml\t'One YAML sequence'
ndjson\t'One JSON object per line'
name\t'Room names only, one per line'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l sort -d 'Order of the rooms' -r -f -a "name\t'Room name'
created\t'Creation time, oldest first'
activity\t'Last activity, least recent first (unknown activity first of all)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -l allow-truncated -d 'List the rooms of an archive that has lost its end (no trailer)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s r -l reverse -d 'Reverse the order'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON array'
yaml\t'One YAML sequence'
ndjson\t'One JSON object per line'
name\t'Room names only, one per line'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l sort -d 'Order of the rooms' -r -f -a "name\t'Room name'
created\t'Creation time, oldest first'
activity\t'Last activity, least recent first (unknown activity first of all)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -l allow-truncated -d 'List the rooms of an archive that has lost its end (no trailer)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s r -l reverse -d 'Reverse the order'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: text for people, json/yaml for the stored document with every field' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -l allow-truncated -d 'Find the room in an archive that has lost its end (no trailer)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -l show-password -d 'Show the room\'s password instead of redacting it'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check that archives are whole and sound, as import would'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the rooms in an archive, as `list` lists a store\'s'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one room of an archive, as `show` shows a stored one'
complete -c roomctl -n "__fish_roomctl_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s o -l output -d 'Output format of the report' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l stale-after -d 'Temporary files untouched for this long are stale (e.g. 30min, 2h; 0s judges every one now)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l metrics-file -d 'Write what the run did to FILE for Prometheus, whatever the outcome' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l fix -d 'Repair what is safe to repair'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand check" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to -d 'The store to copy the rooms to (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l from -d 'The store to copy from [default: the store --store, the environment or config.yaml names, as for every command]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-key-prefix -d 'Redis key prefix of the rooms in the target [default: ?prefix= in --to, else room:]. (--key-prefix applies to the source.)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-password-file -d 'Read the target Redis password from this file' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-tls-ca -d 'Trust the CA certificates (PEM) in FILE for a rediss:// target, as --tls-ca does for the source' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-tls-cert -d 'Present this client certificate (PEM) to a rediss:// target that asks for one; needs --to-tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-tls-key -d 'The private key (PEM) of --to-tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l on-conflict -d 'What to do when the target holds a different room of the same name (identical rooms are never conflicts). `fail` copies every other room and exits 5; `overwrite` and `newer` need --yes' -r -f -a "fail\t'Keep the target\'s room and fail (exit 5)'
skip\t'Keep the target\'s room and carry on'
overwrite\t'Replace the target\'s room'
newer\t'Keep whichever copy has the later last activity; a tie or an unknown activity is a conflict (exit 5)'"
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l report -d 'Write one JSON line per source entry to FILE: {"room", "status", "reason", "location"}' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s o -l output -d 'Output format of the summary: text (one line on stderr), or json/yaml on stdout as well' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l metrics-file -d 'Write what the run did to FILE for Prometheus, whatever the outcome' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l to-tls-insecure -d 'Do not check the target\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l create-store -d 'Create the target directory (and its missing parents) when it does not exist; without it, a missing directory is an error (exit 7)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l no-verify -d 'Do not read the copies back from the target to compare them'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l delete-source -d 'Delete each room from the source once its copy is verified, unless the room changed in the source meanwhile (needs --yes)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l no-copy -d 'With --delete-source: copy nothing. Delete from the source only the rooms the target holds identically; keep and name every other one (missing from the target, or different there) and exit 3 if any. The cleanup after a cut-over: a room deleted in the target since then stays deleted'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l stores-are-distinct -d 'With --delete-source: go ahead when roomctl cannot tell whether the source and the target are the same store (a Redis user not allowed INFO or CLUSTER). Say so only after checking that they are not: the same store under two names would lose every room'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand migrate-backend" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l older-than -d 'Delete rooms whose last activity is older than this (e.g. 30d, 2w, 2mo, 1y; at least 1h). Last activity is the newest of lastActivityAt, the newest rating and createdAt' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l max-delete -d 'Refuse to delete anything when more rooms than this would go: a number of rooms (500) or a share of the store\'s rooms (5%). Give it twice for both' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l backup -d 'First write the rooms about to be deleted to this export archive, complete and fsynced before the first deletion. JSON Lines, unless the name ends in .json or .yaml; .gz or .zst at the end compresses. Never overwrites a file; nothing is written when nothing is deleted' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s o -l output -d 'Output format of the report' -r -f -a "text\t'Readable text'
json\t'JSON'
yaml\t'YAML'"
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l creator -d 'Only rooms created by this Plex user (username or user id)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l inactive-for -d 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l active-within -d 'Only rooms active within this long (e.g. 7d, 1mo)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l now -d 'Measure ages from this instant instead of the clock (RFC 3339)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l metrics-file -d 'Write what the run did to FILE for Prometheus, whatever the outcome' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s s -l store -d 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l key-prefix -d 'Redis key prefix of the rooms [default: room:]' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l config -d 'The MovieMatch server\'s config.yaml [default: ./config.yaml if present]' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l password-file -d 'Read the Redis password from this file (keeps it out of ps and history)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l tls-ca -d 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system\'s roots, and a server certificate that is one of them (a self-signed one)' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l tls-cert -d 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l max-room-size -d 'The largest room to read or write, as stored (a room file, a Redis value, an archive\'s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written' -r
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l include-unknown -d 'Also delete rooms whose last activity is unknown (unparsable dates, no ratings). Invalid entries are never deleted'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s n -l dry-run -d 'Show what would happen; change nothing'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s y -l yes -d 'Do it without asking (needed when stdin is not a terminal)'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -l tls-insecure -d 'Do not check the server\'s TLS certificate at all (self-signed test setups only; warned about on every run)'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c roomctl -n "__fish_roomctl_using_subcommand prune-inactive" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand completions" -s q -l quiet -d 'Say nothing on stderr but warnings and errors'
complete -c roomctl -n "__fish_roomctl_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c roomctl -n "__fish_roomctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c roomctl -n "__fish_roomctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "list" -d 'List the rooms of a store'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "show" -d 'Show everything about one room'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "stats" -d 'Sum up a store or an archive: counts, sizes, idle ages, top creators'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "delete" -d 'Delete rooms by name'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "export" -d 'Write every room (or a selection) to a backup archive'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "import" -d 'Restore rooms from an archive, never clobbering by surprise'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "archive" -d 'Verify a backup archive, or list and show its rooms, without a store'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "check" -d 'Check a store for problems; repair the safe ones with --fix'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "migrate-backend" -d 'Copy every room to another store, verify, and optionally delete the source'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "prune-inactive" -d 'Delete the rooms inactive for longer than a given time'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and not __fish_seen_subcommand_from list show stats delete export import archive check migrate-backend prune-inactive completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "verify" -d 'Check that archives are whole and sound, as import would'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "list" -d 'List the rooms in an archive, as `list` lists a store\'s'
complete -c roomctl -n "__fish_roomctl_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "show" -d 'Show one room of an archive, as `show` shows a stored one'
