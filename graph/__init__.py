"""Everything that speaks Microsoft Graph: auth, the workbook hub store, mail, directory, drive."""
