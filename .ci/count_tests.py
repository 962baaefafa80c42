"""Prints "PASSED FAILED": the test cases in a Bazel test log tree."""

import pathlib
import sys
import xml.etree.ElementTree as ElementTree


def main(testlogs):
    passed = failed = 0
    for report in sorted(pathlib.Path(testlogs).glob("**/test.xml")):
        for case in ElementTree.parse(report).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            else:
                passed += 1
    print(passed, failed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
