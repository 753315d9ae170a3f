// apps/umd/fmt_compiled_in.cpp — fmt's compiled part, built into the `umd` executable
// (trusted side).
//
// `umd` links libstdc++ statically (docs/decisions/0006-one-shot-start-up.md): each
// shared library costs the one-shot CLI its loading and relocation. Debian's fmt
// ships no static archive and libfmt.so would pull libstdc++.so back in, so this file
// is fmt's own src/format.cc (the explicit instantiations of fmt 9), compiled from the
// installed headers; --as-needed then drops libfmt.so. A test checks that `umd`
// needs neither libfmt.so nor libstdc++.so (tests/core/cli_link_test.cmake).
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

#ifndef FMT_STATIC_THOUSANDS_SEPARATOR
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
#endif

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API void buffer<wchar_t>::append(const wchar_t*, const wchar_t*);

}  // namespace detail
FMT_END_NAMESPACE
