# plex86 build wrapper: CMake does the work; this file is the short way in.
#   make        configure into build/ and build with all cores
#   make test   build, then run every test (ctest)
#   make demo   build, fetch the default guest (Debian's i386 kernel and a
#               busybox initramfs, tools/fetch-guest.sh) and boot it to a
#               shell on this terminal (Ctrl-A x quits); DEMO_ARGS adds
#               plex86 options
#   make bench  build, then run the CPU benchmark guest (bench/README.md);
#               BENCH_SCALE=N sets the work (default 100: 1.8 billion guest
#               instructions, about 25 s at 80 MIPS)
#   make asan   the same tests in build-asan/ with ASan and UBSan
#   make fuzz   build the libFuzzer harnesses with clang in build-fuzz/ and
#               run each for FUZZ_SECONDS (default 60); FUZZ_TARGETS=NAME...
#               picks some (docs/fuzzing.md).  Crashes land in tests/regress/
#   make clean  remove the build directories
# Missing build dependencies are installed first (tools/install-deps.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Work per benchmark kernel, in units of about 3.6 million guest instructions
BENCH_SCALE ?= 100
# Seconds each fuzz harness runs, and which ones (empty: all)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
# Extra CMake options, e.g. make CMAKE_FLAGS=-DPLEX86_WERROR=ON
CMAKE_FLAGS ?=

.PHONY: all build test demo demo-rom bench asan fuzz clean deps

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@sh tools/install-deps.sh --tests
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@bash tools/fetch-guest.sh > $(BUILD)/guest-paths.txt
	@echo "Booting the default guest (Ctrl-A x quits; 'poweroff -f' in the guest ends it too)"
	./$(BUILD)/plex86 -m 256 -nographic -no-reboot \
	    -kernel "$$(sed -n 's/^kernel=//p' $(BUILD)/guest-paths.txt)" \
	    -initrd "$$(sed -n 's/^initrd=//p' $(BUILD)/guest-paths.txt)" \
	    -append "console=ttyS0 quiet" $(DEMO_ARGS)

# The real-mode demo ROM of the first days: no download needed.
demo-rom: build
	./$(BUILD)/plex86 -bios $(BUILD)/guest/demo.rom -nographic

bench: build
	bash bench/run-bench.sh $(BUILD) $(BENCH_SCALE)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DPLEX86_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

fuzz: deps
	@sh tests/fuzz/fuzz-deps.sh
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DPLEX86_SANITIZE=ON -DPLEX86_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	bash tests/fuzz/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
