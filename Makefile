# What `sam build` runs for both functions (template.yaml: Metadata: BuildMethod: makefile).
#
# aws-lambda-builders' CustomMakeWorkflow copies this folder (less .git and .aws-sam) to a scratch
# folder and runs `make --makefile <this file> build-<LogicalId>` there, with ARTIFACTS_DIR set to
# the function's folder under .aws-sam/build. The target compiles the function and lays it out
# straight into ARTIFACTS_DIR the way Lambda unzips it into /var/task: classes and resources at the
# root, runtime dependency jars in lib/ (pom.xml, executions lambda-layout-classes and
# lambda-layout-lib; the same layout scripts/invoke-local runs as target/lambda).
#
# Why not SAM's own Maven workflow: it runs `mvn clean install`, i.e. the whole test suite,
# integration tests included, which need moto's server and take minutes, on every `sam build`,
# and then installs the jar into ~/.m2 for nothing. Tests are `mvn -B verify` (README); a build
# needs only a JDK 17+ and Maven.
#
# By hand (what SamBuildIT does): make build-TagEnforcerFunction ARTIFACTS_DIR=/tmp/out

MVN ?= mvn
# -B -Dstyle.color=never: plain output in sam's log; -q: only errors, which sam shows on failure.
MVN_FLAGS ?= -B -q -Dstyle.color=never

# Both functions are the same code (one package, two handlers), so both targets make the same whole
# artifact. SAM never groups makefile builds (samcli/lib/build/build_graph.py): it runs each target,
# in its own scratch copy, one after the other (or at once with `sam build --parallel`).
build-TagEnforcerFunction build-SweepFunction:
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: sam build sets it; by hand, make $@ ARTIFACTS_DIR=DIR))
	$(MVN) $(MVN_FLAGS) "-Dlambda.layout.directory=$(ARTIFACTS_DIR)" clean compile \
		resources:copy-resources@lambda-layout-classes \
		dependency:copy-dependencies@lambda-layout-lib

.PHONY: build-TagEnforcerFunction build-SweepFunction
