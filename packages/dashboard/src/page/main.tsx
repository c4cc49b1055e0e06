import { render } from 'preact'
import { takeTokenFromUrl } from './api.js'
import { App } from './app.js'

takeTokenFromUrl()
render(<App />, document.getElementById('app')!)
