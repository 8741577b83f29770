"""HTTP routes: thin functions that parse a request, call one service, render the result."""
