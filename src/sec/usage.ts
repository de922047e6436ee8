/** The import verb's usage lines, on their own so the CLI's help text does not load the importer (and YAML) at start-up. */
export const IMPORT_USAGE = `  capex-bot import sec <ticker …> [--from-file companyfacts.json] [--data-file path]
                               add SEC-reported capex to the data file (needs SEC_USER_AGENT unless --from-file)`;
