
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'roomctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'roomctl'
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
        'roomctl' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rooms of a store')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the rooms of a store')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show everything about one room')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Sum up a store or an archive: counts, sizes, idle ages, top creators')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete rooms by name')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete rooms by name')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every room (or a selection) to a backup archive')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Restore rooms from an archive, never clobbering by surprise')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Verify a backup archive, or list and show its rooms, without a store')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a store for problems; repair the safe ones with --fix')
            [CompletionResult]::new('migrate-backend', 'migrate-backend', [CompletionResultType]::ParameterValue, 'Copy every room to another store, verify, and optionally delete the source')
            [CompletionResult]::new('prune-inactive', 'prune-inactive', [CompletionResultType]::ParameterValue, 'Delete the rooms inactive for longer than a given time')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'roomctl;list' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rooms')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;ls' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rooms')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json/yaml for the stored document with every field')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json/yaml for the stored document with every field')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--show-password', '--show-password', [CompletionResultType]::ParameterName, 'Show the room''s password instead of redacting it')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;stats' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text with bars for people, json/yaml for programs (shape in docs/stats.md)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text with bars for people, json/yaml for programs (shape in docs/stats.md)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many of the creators with the most rooms to list')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--archive', '--archive', [CompletionResultType]::ParameterName, 'Read this export archive (or any file import takes) instead of a store')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;delete' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Names that do not exist are not an error')
            [CompletionResult]::new('--include-invalid', '--include-invalid', [CompletionResultType]::ParameterName, 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;rm' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Names that do not exist are not an error')
            [CompletionResult]::new('--include-invalid', '--include-invalid', [CompletionResultType]::ParameterName, 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;export' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Archive format [default: from the file name, else jsonl]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Archive format [default: from the file name, else jsonl]')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Compress with gzip or zstd, named attached: -z=zstd, --compress=zstd. A bare -z compresses as FILE''s name says (.gz, .zst), else with gzip; a FILE ending in .gz or .zst is compressed even without -z')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Compress with gzip or zstd, named attached: -z=zstd, --compress=zstd. A bare -z compresses as FILE''s name says (.gz, .zst), else with gzip; a FILE ending in .gz or .zst is compressed even without -z')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write what the run did to FILE for Prometheus, whatever the outcome')
            [CompletionResult]::new('--room', '--room', [CompletionResultType]::ParameterName, 'Only the room of exactly this name (repeatable). A name that is not there is an error (exit 4) and nothing is written')
            [CompletionResult]::new('--rooms-from', '--rooms-from', [CompletionResultType]::ParameterName, 'Only the rooms named in FILE, one exact name a line (`-` for stdin; CRLF and empty lines are fine). Adds to --room')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Exit 0 even when entries that are not readable rooms were left out')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE if it exists')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;import' {
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do with a room that already exists with other content. `fail` imports nothing at all if any room conflicts; `overwrite` and `newer` need --yes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the summary (on stdout with json/yaml)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the summary (on stdout with json/yaml)')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--room', '--room', [CompletionResultType]::ParameterName, 'Only the room of exactly this name (repeatable). A name that is not there is an error (exit 4) and nothing is written')
            [CompletionResult]::new('--rooms-from', '--rooms-from', [CompletionResultType]::ParameterName, 'Only the rooms named in FILE, one exact name a line (`-` for stdin; CRLF and empty lines are fine). Adds to --room')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write what the run did to FILE for Prometheus, whatever the outcome')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--include-invalid', '--include-invalid', [CompletionResultType]::ParameterName, 'With `--on-conflict overwrite`: also replace an invalid stored document of a room''s name (corrupt JSON, a missing field), restoring the room from the archive. An entry that is not a room at all (a Redis set, a JSON array) or a file holding another room is never replaced')
            [CompletionResult]::new('--allow-truncated', '--allow-truncated', [CompletionResultType]::ParameterName, 'Import the rooms of an archive that has lost its end (no trailer)')
            [CompletionResult]::new('--create-store', '--create-store', [CompletionResultType]::ParameterName, 'Create the store''s directory (and its missing parents) when it does not exist; without it, a missing directory is an error (exit 7), so that a typo in a path never becomes a new store')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;archive' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that archives are whole and sound, as import would')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rooms in an archive, as `list` lists a store''s')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the rooms in an archive, as `list` lists a store''s')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one room of an archive, as `show` shows a stored one')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'roomctl;archive;verify' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: one line per archive, or a JSON/YAML list (on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: one line per archive, or a JSON/YAML list (on stdout)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;archive;list' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rooms')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--allow-truncated', '--allow-truncated', [CompletionResultType]::ParameterName, 'List the rooms of an archive that has lost its end (no trailer)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;archive;ls' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rooms')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--allow-truncated', '--allow-truncated', [CompletionResultType]::ParameterName, 'List the rooms of an archive that has lost its end (no trailer)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;archive;show' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json/yaml for the stored document with every field')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json/yaml for the stored document with every field')
            [CompletionResult]::new('--allow-truncated', '--allow-truncated', [CompletionResultType]::ParameterName, 'Find the room in an archive that has lost its end (no trailer)')
            [CompletionResult]::new('--show-password', '--show-password', [CompletionResultType]::ParameterName, 'Show the room''s password instead of redacting it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;archive;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that archives are whole and sound, as import would')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rooms in an archive, as `list` lists a store''s')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one room of an archive, as `show` shows a stored one')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'roomctl;archive;help;verify' {
            break
        }
        'roomctl;archive;help;list' {
            break
        }
        'roomctl;archive;help;show' {
            break
        }
        'roomctl;archive;help;help' {
            break
        }
        'roomctl;check' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--stale-after', '--stale-after', [CompletionResultType]::ParameterName, 'Temporary files untouched for this long are stale (e.g. 30min, 2h; 0s judges every one now)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write what the run did to FILE for Prometheus, whatever the outcome')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Repair what is safe to repair')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;migrate-backend' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The store to copy the rooms to (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The store to copy from [default: the store --store, the environment or config.yaml names, as for every command]')
            [CompletionResult]::new('--to-key-prefix', '--to-key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms in the target [default: ?prefix= in --to, else room:]. (--key-prefix applies to the source.)')
            [CompletionResult]::new('--to-password-file', '--to-password-file', [CompletionResultType]::ParameterName, 'Read the target Redis password from this file')
            [CompletionResult]::new('--to-tls-ca', '--to-tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for a rediss:// target, as --tls-ca does for the source')
            [CompletionResult]::new('--to-tls-cert', '--to-tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to a rediss:// target that asks for one; needs --to-tls-key')
            [CompletionResult]::new('--to-tls-key', '--to-tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --to-tls-cert')
            [CompletionResult]::new('--on-conflict', '--on-conflict', [CompletionResultType]::ParameterName, 'What to do when the target holds a different room of the same name (identical rooms are never conflicts). `fail` copies every other room and exits 5; `overwrite` and `newer` need --yes')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Write one JSON line per source entry to FILE: {"room", "status", "reason", "location"}')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the summary: text (one line on stderr), or json/yaml on stdout as well')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the summary: text (one line on stderr), or json/yaml on stdout as well')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write what the run did to FILE for Prometheus, whatever the outcome')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--to-tls-insecure', '--to-tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the target''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('--create-store', '--create-store', [CompletionResultType]::ParameterName, 'Create the target directory (and its missing parents) when it does not exist; without it, a missing directory is an error (exit 7)')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Do not read the copies back from the target to compare them')
            [CompletionResult]::new('--delete-source', '--delete-source', [CompletionResultType]::ParameterName, 'Delete each room from the source once its copy is verified, unless the room changed in the source meanwhile (needs --yes)')
            [CompletionResult]::new('--no-copy', '--no-copy', [CompletionResultType]::ParameterName, 'With --delete-source: copy nothing. Delete from the source only the rooms the target holds identically; keep and name every other one (missing from the target, or different there) and exit 3 if any. The cleanup after a cut-over: a room deleted in the target since then stays deleted')
            [CompletionResult]::new('--stores-are-distinct', '--stores-are-distinct', [CompletionResultType]::ParameterName, 'With --delete-source: go ahead when roomctl cannot tell whether the source and the target are the same store (a Redis user not allowed INFO or CLUSTER). Say so only after checking that they are not: the same store under two names would lose every room')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;prune-inactive' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete rooms whose last activity is older than this (e.g. 30d, 2w, 2mo, 1y; at least 1h). Last activity is the newest of lastActivityAt, the newest rating and createdAt')
            [CompletionResult]::new('--max-delete', '--max-delete', [CompletionResultType]::ParameterName, 'Refuse to delete anything when more rooms than this would go: a number of rooms (500) or a share of the store''s rooms (5%). Give it twice for both')
            [CompletionResult]::new('--backup', '--backup', [CompletionResultType]::ParameterName, 'First write the rooms about to be deleted to this export archive, complete and fsynced before the first deletion. JSON Lines, unless the name ends in .json or .yaml; .gz or .zst at the end compresses. Never overwrites a file; nothing is written when nothing is deleted')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the report')
            [CompletionResult]::new('--creator', '--creator', [CompletionResultType]::ParameterName, 'Only rooms created by this Plex user (username or user id)')
            [CompletionResult]::new('--inactive-for', '--inactive-for', [CompletionResultType]::ParameterName, 'Only rooms whose last activity is older than this (e.g. 30d, 2mo, 12h)')
            [CompletionResult]::new('--active-within', '--active-within', [CompletionResultType]::ParameterName, 'Only rooms active within this long (e.g. 7d, 1mo)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this instant instead of the clock (RFC 3339)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write what the run did to FILE for Prometheus, whatever the outcome')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)')
            [CompletionResult]::new('--key-prefix', '--key-prefix', [CompletionResultType]::ParameterName, 'Redis key prefix of the rooms [default: room:]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the Redis password from this file (keeps it out of ps and history)')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Trust the CA certificates (PEM) in FILE for rediss:// instead of the system''s roots, and a server certificate that is one of them (a self-signed one)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to rediss:// servers that ask for one; needs --tls-key')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--max-room-size', '--max-room-size', [CompletionResultType]::ParameterName, 'The largest room to read or write, as stored (a room file, a Redis value, an archive''s room line): 64MiB, 512KiB or bytes; at most 512MiB [default: 32MiB]. A larger room is refused, naming it and its size, before anything is written')
            [CompletionResult]::new('--include-unknown', '--include-unknown', [CompletionResultType]::ParameterName, 'Also delete rooms whose last activity is unknown (unparsable dates, no ratings). Invalid entries are never deleted')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do it without asking (needed when stdin is not a terminal)')
            [CompletionResult]::new('--tls-insecure', '--tls-insecure', [CompletionResultType]::ParameterName, 'Do not check the server''s TLS certificate at all (self-signed test setups only; warned about on every run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;completions' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say nothing on stderr but warnings and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'roomctl;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rooms of a store')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show everything about one room')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Sum up a store or an archive: counts, sizes, idle ages, top creators')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete rooms by name')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every room (or a selection) to a backup archive')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Restore rooms from an archive, never clobbering by surprise')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Verify a backup archive, or list and show its rooms, without a store')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a store for problems; repair the safe ones with --fix')
            [CompletionResult]::new('migrate-backend', 'migrate-backend', [CompletionResultType]::ParameterValue, 'Copy every room to another store, verify, and optionally delete the source')
            [CompletionResult]::new('prune-inactive', 'prune-inactive', [CompletionResultType]::ParameterValue, 'Delete the rooms inactive for longer than a given time')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'roomctl;help;list' {
            break
        }
        'roomctl;help;show' {
            break
        }
        'roomctl;help;stats' {
            break
        }
        'roomctl;help;delete' {
            break
        }
        'roomctl;help;export' {
            break
        }
        'roomctl;help;import' {
            break
        }
        'roomctl;help;archive' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that archives are whole and sound, as import would')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rooms in an archive, as `list` lists a store''s')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one room of an archive, as `show` shows a stored one')
            break
        }
        'roomctl;help;archive;verify' {
            break
        }
        'roomctl;help;archive;list' {
            break
        }
        'roomctl;help;archive;show' {
            break
        }
        'roomctl;help;check' {
            break
        }
        'roomctl;help;migrate-backend' {
            break
        }
        'roomctl;help;prune-inactive' {
            break
        }
        'roomctl;help;completions' {
            break
        }
        'roomctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
