
use builtin;
use str;

set edit:completion:arg-completer[roomctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'roomctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'roomctl'= {
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the rooms of a store'
            cand ls 'List the rooms of a store'
            cand show 'Show everything about one room'
            cand delete 'Delete rooms by name'
            cand rm 'Delete rooms by name'
            cand migrate-backend 'Copy every room to another store, verify, and optionally delete the source'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'roomctl;list'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --sort 'Order of the rooms'
            cand --creator 'Only rooms created by this Plex user (username or user id)'
            cand --inactive-for 'Only rooms whose last activity is older than this (e.g. 30d, 12h)'
            cand --active-within 'Only rooms active within this long (e.g. 7d)'
            cand --now 'Measure ages from this instant instead of the clock (RFC 3339)'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand -r 'Reverse the order'
            cand --reverse 'Reverse the order'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;ls'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --sort 'Order of the rooms'
            cand --creator 'Only rooms created by this Plex user (username or user id)'
            cand --inactive-for 'Only rooms whose last activity is older than this (e.g. 30d, 12h)'
            cand --active-within 'Only rooms active within this long (e.g. 7d)'
            cand --now 'Measure ages from this instant instead of the clock (RFC 3339)'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand -r 'Reverse the order'
            cand --reverse 'Reverse the order'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;show'= {
            cand -o 'Output format: text for people, json/yaml for the stored document with every field'
            cand --output 'Output format: text for people, json/yaml for the stored document with every field'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand --show-password 'Show the room''s password instead of redacting it'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;delete'= {
            cand -o 'Output format of the report'
            cand --output 'Output format of the report'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand --ignore-missing 'Names that do not exist are not an error'
            cand --include-invalid 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted'
            cand -n 'Show what would happen; change nothing'
            cand --dry-run 'Show what would happen; change nothing'
            cand -y 'Do it without asking (needed when stdin is not a terminal)'
            cand --yes 'Do it without asking (needed when stdin is not a terminal)'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;rm'= {
            cand -o 'Output format of the report'
            cand --output 'Output format of the report'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand --ignore-missing 'Names that do not exist are not an error'
            cand --include-invalid 'Also delete an invalid entry (corrupt JSON, missing fields) stored under a named room. Entries that are not rooms are never deleted'
            cand -n 'Show what would happen; change nothing'
            cand --dry-run 'Show what would happen; change nothing'
            cand -y 'Do it without asking (needed when stdin is not a terminal)'
            cand --yes 'Do it without asking (needed when stdin is not a terminal)'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;migrate-backend'= {
            cand --to 'The store to copy the rooms to (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --from 'The store to copy from [default: the store --store, the environment or config.yaml names, as for every command]'
            cand --to-key-prefix 'Redis key prefix of the rooms in the target [default: ?prefix= in --to, else room:]. (--key-prefix applies to the source.)'
            cand --to-password-file 'Read the target Redis password from this file'
            cand --on-conflict 'What to do when the target holds a different room of the same name (identical rooms are never conflicts)'
            cand --report 'Write one JSON line per source entry to FILE: {"room", "status", "reason", "location"}'
            cand -o 'Output format of the summary: text (one line on stderr), or json/yaml on stdout as well'
            cand --output 'Output format of the summary: text (one line on stderr), or json/yaml on stdout as well'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand --no-verify 'Do not read the copies back from the target to compare them'
            cand --delete-source 'Delete each room from the source once its copy is verified, unless the room changed in the source meanwhile (needs --yes)'
            cand -n 'Show what would happen; change nothing'
            cand --dry-run 'Show what would happen; change nothing'
            cand -y 'Do it without asking (needed when stdin is not a terminal)'
            cand --yes 'Do it without asking (needed when stdin is not a terminal)'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;completions'= {
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand -q 'Say nothing on stderr but warnings and errors'
            cand --quiet 'Say nothing on stderr but warnings and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'roomctl;help'= {
            cand list 'List the rooms of a store'
            cand show 'Show everything about one room'
            cand delete 'Delete rooms by name'
            cand migrate-backend 'Copy every room to another store, verify, and optionally delete the source'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'roomctl;help;list'= {
        }
        &'roomctl;help;show'= {
        }
        &'roomctl;help;delete'= {
        }
        &'roomctl;help;migrate-backend'= {
        }
        &'roomctl;help;completions'= {
        }
        &'roomctl;help;help'= {
        }
    ]
    $completions[$command]
}
