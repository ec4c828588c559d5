"""The tools around the sessions program: what builds, hosts and measures it.

The library a script imports is :mod:`sessions_client`; nothing there imports this
package. Here live, one subpackage or module per product:

* :mod:`sessions_tools.sbf` - the SBF toolchain (ziglang's clang + our SBPF v0 linker).
* :mod:`sessions_tools.program_build` - building the program's ``.so`` from ``program/``.
* :mod:`sessions_tools.svm` - the LiteSVM harness (the real SVM, in process).
* :mod:`sessions_tools.localnet` - ``sessions localnet``, the embedded validator over JSON-RPC.
* :mod:`sessions_tools.codegen` - the IDL and C headers generated from the schema.
* :mod:`sessions_tools.interop` - the anchorpy environment and its fixtures.
* :mod:`sessions_tools.testing` - the pytest plugin and fixtures.
* :mod:`sessions_tools.bench` - every benchmark behind ``sessions bench``.
* :mod:`sessions_tools.cli` and :mod:`sessions_tools.demo` - the ``sessions`` command.

Install with the ``tools`` extra (``pip install solana-sessions[tools]``).
"""
