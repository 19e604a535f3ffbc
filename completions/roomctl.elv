
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
            cand prune-inactive 'Delete the rooms inactive for longer than a given time'
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
        &'roomctl;prune-inactive'= {
            cand --older-than 'Delete rooms whose last activity is older than this (e.g. 30d, 2w, 36h). Last activity is the newest of lastActivityAt, the newest rating and createdAt'
            cand --max-delete 'Refuse to delete anything when more rooms than this would go: a number of rooms (500) or a share of the store''s rooms (5%). Give it twice for both'
            cand --backup 'First write the rooms about to be deleted to this export archive, complete and fsynced before the first deletion. JSON Lines, unless the name ends in .json or .yaml; .gz or .zst at the end compresses. Never overwrites a file; nothing is written when nothing is deleted'
            cand -o 'Output format of the report'
            cand --output 'Output format of the report'
            cand --creator 'Only rooms created by this Plex user (username or user id)'
            cand --inactive-for 'Only rooms whose last activity is older than this (e.g. 30d, 12h)'
            cand --active-within 'Only rooms active within this long (e.g. 7d)'
            cand --now 'Measure ages from this instant instead of the clock (RFC 3339)'
            cand -s 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --store 'The store to work on (a directory, file:PATH, redis://…, rediss://…, redis+cluster://…, memory:)'
            cand --key-prefix 'Redis key prefix of the rooms [default: room:]'
            cand --config 'The MovieMatch server''s config.yaml [default: ./config.yaml if present]'
            cand --password-file 'Read the Redis password from this file (keeps it out of ps and history)'
            cand --include-unknown 'Also delete rooms whose last activity is unknown (unparsable dates, no ratings). Invalid entries are never deleted'
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
            cand prune-inactive 'Delete the rooms inactive for longer than a given time'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'roomctl;help;list'= {
        }
        &'roomctl;help;show'= {
        }
        &'roomctl;help;delete'= {
        }
        &'roomctl;help;prune-inactive'= {
        }
        &'roomctl;help;completions'= {
        }
        &'roomctl;help;help'= {
        }
    ]
    $completions[$command]
}
