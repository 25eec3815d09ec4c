"""Image classification (book §7.1-7.2): data sets (`datasets`), the classifiers of the classify task (`models`,
`cnn`), and the drawing preprocessing of the page's canvas (`drawing`)."""
