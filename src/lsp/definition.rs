//! Language server: go to definition and find references, across the files of a program
//! (its imports included; open buffers count over the files on disk).

use lsp_types::Location;

use super::target::Target;

/// Where the name under the cursor is declared.
pub fn definition(target: &Target) -> Option<Location> {
    let symbol = &target.occurrence()?.symbol;
    let declaration = target.index.definition(symbol)?;
    target.location(declaration.span)
}

/// Every use of the name under the cursor (and its declaration when asked), in every
/// program the file belongs to, each place once.
pub fn references(targets: &[Target], include_declaration: bool) -> Vec<Location> {
    let mut locations: Vec<Location> = Vec::new();
    for target in targets {
        let Some(occurrence) = target.occurrence() else {
            continue;
        };
        let places = target
            .index
            .occurrences_of(&occurrence.symbol)
            .filter(|o| include_declaration || !o.is_definition)
            .filter_map(|o| target.location(o.span));
        for location in places {
            if !locations.contains(&location) {
                locations.push(location);
            }
        }
    }
    locations
}
