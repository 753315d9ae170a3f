// apps/umd/cli11.h — CLI11, without the standard streams' start-up cost (trusted side).
//
// CLI11 2.1 includes <iostream>. With libstdc++ before GCC 13, every translation unit
// that includes <iostream> carries a static std::ios_base::Init, and the first one
// constructed builds the eight standard stream objects and the "C" locale's facets
// at every `umd` start, before main() (measured in
// docs/decisions/0011-one-shot-on-a-fault-costly-vm.md).
// umd writes with stdio; the one place CLI11 prints, App::exit(), is given string
// streams (see apps/umd/main.cpp), and the other paths that name std::cout (deprecated
// or retired options) are features umd does not use. So the CLI sources skip
// <iostream> itself and declare the two stream objects CLI11's code names; the streams
// are never constructed, and nothing here writes to them. The build checks that no
// object of `umd` carries the Init object (Startup.CliHasNoStreamInit).
#pragma once

#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE < 13 && !defined(_GLIBCXX_IOSTREAM)
#define _GLIBCXX_IOSTREAM 1  // <iostream>'s include guard: its static Init object stays out
#include <istream>
#include <ostream>
namespace std {
// The same declarations as <iostream>'s; the objects are libstdc++'s own.
extern ostream cout;
extern ostream cerr;
}  // namespace std
#endif

#include <CLI/CLI.hpp>
