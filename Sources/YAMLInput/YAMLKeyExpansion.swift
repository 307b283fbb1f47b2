import CYaml

/// How many nodes the mapping keys of a YAML text come to once aliases are followed, measured on
/// libyaml's events before Yams builds its node tree.
///
/// While composing, Yams checks each mapping for duplicate keys by hashing them, and a hash follows
/// aliases: a key that is an alias bomb (`? *a8`, where `&a8` is ten `*a7`, and so on down) takes
/// exponential time inside `Yams.compose`, before any check of a reader can run (found while
/// writing the rules fuzzer, scripts/fuzz, which keeps it among its seeds). Keys in the project's
/// YAML files are plain names; a walk over the events, linear in the text, lets `YAMLInput.compose`
/// refuse such a file first. (`CYaml` is Yams' own libyaml, a target of the Yams package.)
enum YAMLKeyExpansion {
    /// The nodes the mapping keys expand to, counting stopped just above `limit`; nil when libyaml
    /// cannot read the text (Yams then says why).
    static func keyNodes(in text: String, limit: Int) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Open collections: their anchor, the nodes they hold so far, and for a mapping whether
            // the next node completed in it is a key.
            var open: [(anchor: String?, nodes: Int, mapping: Bool, expectsKey: Bool)] = [(nil, 0, false, false)]
            var anchored: [String: Int] = [:]
            var keys = 0
            func anchor(_ name: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                name.map { String(cString: $0) }
            }
            // A node of `nodes` nodes is complete: it counts in its parent, and as a key if it is one.
            func completed(_ nodes: Int, anchor: String?) {
                if let anchor { anchored[anchor] = nodes }
                let parent = open.count - 1
                open[parent].nodes = min(limit + 1, open[parent].nodes + nodes)
                if open[parent].mapping {
                    if open[parent].expectsKey { keys = min(limit + 1, keys + nodes) }
                    open[parent].expectsKey.toggle()
                }
            }
            var event = yaml_event_t()
            while keys <= limit {
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return keys
                case YAML_SCALAR_EVENT:
                    completed(1, anchor: anchor(event.data.scalar.anchor))
                case YAML_ALIAS_EVENT:
                    completed(anchor(event.data.alias.anchor).flatMap { anchored[$0] } ?? 1, anchor: nil)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((anchor(event.data.sequence_start.anchor), 1, false, false))
                case YAML_MAPPING_START_EVENT:
                    open.append((anchor(event.data.mapping_start.anchor), 1, true, true))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard open.count > 1 else { return nil }
                    let done = open.removeLast()
                    completed(done.nodes, anchor: done.anchor)
                default:
                    break
                }
            }
            return keys
        }
    }
}
