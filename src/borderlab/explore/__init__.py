"""`borderlab explore`: a local web app to change a scenario's levers, run it and compare (docs/explore.md).

    levers.py    the controls: key levers and free parameters, bounded, as `--set` paths
    metrics.py   the key numbers and series the page shows
    state.py     one browser session: scenario, runs in a private folder, downloads
    readers.py   series and ensemble numbers read back from the run folders
    charts.py    plotly figures: base run and variant side by side
    app.py       the Panel page (one per browser session)
    server.py    serving it on 127.0.0.1, a free port, no network
"""
