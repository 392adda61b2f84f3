module example.com/lens/corpusapp

go 1.19
