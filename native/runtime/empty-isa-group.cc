// Placeholder translation unit so that an ISA library with no kernels yet still has a source (see scripts/list-sources.js).
namespace sparq {
void empty_isa_group_placeholder() {}
}  // namespace sparq
