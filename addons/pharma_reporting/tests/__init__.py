# This file is part of the pharma suite. See README.md for license terms.
